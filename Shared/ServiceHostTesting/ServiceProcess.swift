public import Foundation

/// A built executable of this package (`lifelong-kb`, `lifelong-training`, …) run as a child
/// process on a free port: started with `--port 0`, its port read from the first line it
/// prints (`<executable> listening on <host>:<port>`), killed when the value goes away.
public final class ServiceProcess: @unchecked Sendable {
    /// The child.
    public let process: Process
    /// Its gRPC port.
    public let port: Int
    /// The executable's name.
    public let name: String
    private let output: Pipe

    /// Why a process could not be started.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        /// Creates the error.
        public init(_ description: String) { self.description = description }
    }

    /// Where `swift build` put an executable: next to the test bundle.
    /// - Throws: ``Failure`` when it is not built.
    public static func executable(named name: String) throws -> URL {
        let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        var directory = me.deletingLastPathComponent()
        // On Linux the test binary is `<scratch>/debug/LifelongPackageTests.xctest`.
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw Failure(
            "\(name) is not built next to the tests (\(me.deletingLastPathComponent().path)); run `swift build` first (make test does)")
    }

    /// Starts `<name> --port <port> <arguments>` and waits for its "listening" line.
    /// - Parameters:
    ///   - name: The executable.
    ///   - port: The port (0: any free one; a restarted service passes its old one).
    ///   - arguments: Its other arguments.
    ///   - environment: Variables added to this process's environment.
    /// - Throws: ``Failure`` when it is not built or does not start listening.
    public init(_ name: String, port: Int = 0, arguments: [String], environment: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = try Self.executable(named: name)
        process.arguments = ["--port", "\(port)"] + arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.output = output
        self.name = name

        // Read the first line (the port) on a thread of its own: on Linux the global
        // Dispatch queues share their few threads with Swift concurrency and with Foundation's
        // process monitoring, so a blocking read there can starve them under parallel tests.
        let line: String = await withCheckedContinuation { continuation in
            let reader = Thread {
                var bytes: [UInt8] = []
                let handle = output.fileHandleForReading
                while true {
                    let chunk = handle.readData(ofLength: 1)
                    if chunk.isEmpty { break }
                    if chunk.first == UInt8(ascii: "\n") { break }
                    bytes.append(contentsOf: chunk)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
            reader.start()
        }
        guard line.hasPrefix("\(name) listening on "), let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            process.terminate()
            throw Failure("\(name) did not start; its first line was '\(line)'")
        }
        self.port = port
    }

    /// A test that fails half-way must not leave the service running.
    deinit {
        if Self.isAlive(process.processIdentifier) { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// `kill -9`, and wait until it is gone.
    public func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    /// SIGTERM, and wait.
    public func stop() async {
        process.terminate()
        await waitForExit()
    }

    /// Sends a signal.
    public func signal(_ number: Int32) {
        Foundation.kill(process.processIdentifier, number)
    }

    /// Whether the process is still running.
    public var isRunning: Bool { Self.isAlive(process.processIdentifier) }

    /// The exit status, once the process has exited (``isRunning`` is false).
    public func exitStatus() async -> Int32 {
        let process = self.process
        return await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }

    /// Waits until the process has exited, reading /proc rather than `Process.isRunning`,
    /// which depends on a Dispatch handler that a busy test run may not schedule in time.
    public func waitForExit() async {
        while Self.isAlive(process.processIdentifier) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Whether a process exists and has not exited (an exited, unreaped one is state `Z`).
    public static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }
}
