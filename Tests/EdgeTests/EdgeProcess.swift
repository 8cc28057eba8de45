import Foundation
import ProcessTestSupport

/// The built `lifelong-edge` executable, started as a child process (for the crash test).
final class EdgeProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    /// The gRPC port it listens on.
    let port: Int

    /// Starts `lifelong-edge --port 0 arguments…` and waits for its `listening on` line.
    init(_ arguments: [String]) async throws {
        process.executableURL = try TestProcess.builtExecutable("lifelong-edge")
        process.arguments = ["--port", "0"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await TestProcess.firstLine(of: output.fileHandleForReading)
        guard let colon = line.lastIndex(of: ":"), let port = Int(line[line.index(after: colon)...]) else {
            process.terminate()
            throw TestProcess.Failure("lifelong-edge printed '\(line)' instead of 'lifelong-edge listening on host:port'")
        }
        self.port = port
    }

    /// SIGKILL: no shutdown, no flush.
    func kill() {
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, and waits for the exit.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
