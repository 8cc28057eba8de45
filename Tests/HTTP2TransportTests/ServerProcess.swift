import Foundation

/// Our `rpc-benchmark-server` in a process of its own, so that tests can read its memory from
/// `/proc/<pid>/status` without the noise of everything else the test process runs.
final class ServerProcess: Sendable {
    let port: Int
    let pid: Int32
    private let process: Process
    private let input: Pipe

    /// The executable next to the test bundle (`swift build --build-tests` builds both).
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("rpc-benchmark-server")
    }

    /// Starts the server on a free port and waits for its `PORT n` line.
    /// - Parameter limits: `NAME=VALUE` settings of its configuration (see `--limit`).
    init(limits: [String] = []) async throws {
        let executable = Self.executable
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw PythonPeer.Failure(description: "\(executable.path) is missing; build every product (swift build --build-tests)")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--port", "0", "--exit-on-stdin-eof"] + limits.flatMap { ["--limit", $0] }
        let output = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardInput = input
        try process.run()
        let line = await PythonPeer.blocking { () -> String in
            var collected = Data()
            while !collected.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
            return String(decoding: collected, as: UTF8.self)
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
            process.terminate()
            throw PythonPeer.Failure(description: "rpc-benchmark-server did not start: \(line)")
        }
        self.port = port
        self.pid = process.processIdentifier
        self.process = process
        self.input = input
    }

    /// Closes the server's stdin (it shuts down gracefully) and waits for it to exit.
    /// - Returns: Its exit status.
    @discardableResult
    func stop() async -> Int32 {
        try? input.fileHandleForWriting.close()
        let process = self.process
        await PythonPeer.blocking { process.waitUntilExit() }
        return process.terminationStatus
    }
}
