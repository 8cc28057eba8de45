import Foundation
import Testing

/// Runs the Python peers of the interop tests (grpcio clients and servers).
enum PythonPeer {
    /// The repository root, found from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `$LIFELONG_PYTHON`, else the project's venv.
    static var interpreter: String {
        if let configured = ProcessInfo.processInfo.environment["LIFELONG_PYTHON"], !configured.isEmpty {
            return configured
        }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func script(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Tests/Interop/\(name)").path
    }

    /// Runs blocking I/O on a thread of its own: never on the cooperative pool nor on
    /// Dispatch's global queues (on Linux the same few threads), which the servers under
    /// test need.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    /// Starts blocking I/O on a thread of its own; its result is awaited later.
    static func startBlocking<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Task<T, Never> {
        let (stream, sink) = AsyncStream<T>.makeStream()
        Thread {
            sink.yield(body())
            sink.finish()
        }.start()
        return Task {
            for await value in stream { return value }
            fatalError("blocking work ended without a value")
        }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Fails (does not skip) when the interpreter or grpcio is missing.
    static func requireInterpreter() throws {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Failure(description: "Python peer missing: \(interpreter) is not executable; run 'make deps' or set LIFELONG_PYTHON")
        }
    }

    /// Runs a script to completion.
    /// - Returns: Its exit status and standard output (stderr is appended to the output).
    /// - Parameter afterStart: Runs once the script started, with the writing end of its stdin.
    static func run(
        _ scriptName: String, arguments: [String], afterStart: (@Sendable (FileHandle) async -> Void)? = nil
    ) async throws -> (status: Int32, output: String) {
        try requireInterpreter()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = [script(scriptName)] + arguments
        process.currentDirectoryURL = repositoryRoot.appendingPathComponent("Tests/Interop")
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let input = Pipe()
        process.standardInput = afterStart == nil ? FileHandle.nullDevice : input
        try process.run()
        if let afterStart {
            await afterStart(input.fileHandleForWriting)
            try? input.fileHandleForWriting.close()
        }
        let errorOutput = startBlocking { errors.fileHandleForReading.readDataToEndOfFile() }
        let standardOutput = startBlocking { output.fileHandleForReading.readDataToEndOfFile() }
        await blocking { process.waitUntilExit() }
        let out = await standardOutput.value
        let err = await errorOutput.value
        return (process.terminationStatus, String(decoding: out, as: UTF8.self) + String(decoding: err, as: UTF8.self))
    }

    /// A long-running Python server; it prints `PORT n` and stops when its stdin closes.
    final class Server: Sendable {
        let port: Int
        private let process: Process
        private let input: Pipe

        init(_ scriptName: String) async throws {
            try PythonPeer.requireInterpreter()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: PythonPeer.interpreter)
            process.arguments = [PythonPeer.script(scriptName)]
            process.currentDirectoryURL = PythonPeer.repositoryRoot.appendingPathComponent("Tests/Interop")
            let output = Pipe()
            let input = Pipe()
            process.standardOutput = output
            process.standardInput = input
            try process.run()
            let line = await PythonPeer.blocking { () -> String in
                var collected = Data()
                while true {
                    let chunk = output.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    collected.append(chunk)
                    if collected.contains(UInt8(ascii: "\n")) { break }
                }
                return String(decoding: collected, as: UTF8.self)
            }
            guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
                process.terminate()
                throw Failure(description: "the Python server \(scriptName) did not start: \(line)")
            }
            self.port = port
            self.process = process
            self.input = input
        }

        /// Stops the server and waits for it to exit.
        func stop() async {
            try? input.fileHandleForWriting.close()
            let process = self.process
            await PythonPeer.blocking { process.waitUntilExit() }
        }
    }
}
