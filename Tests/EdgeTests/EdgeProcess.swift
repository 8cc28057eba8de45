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

    /// The file names of the shared libraries the process has mapped (from /proc/PID/maps).
    func mappedLibraries() throws -> Set<String> {
        // Read to the end: /proc files report size 0, so whole-file readers see nothing.
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/maps"))
        defer { try? file.close() }
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        return Set(maps.split(separator: "\n").compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).last.flatMap { path in
                path.hasPrefix("/") && path.contains(".so") ? String(path.split(separator: "/").last!) : nil
            }
        })
    }

    /// SIGKILL: no shutdown, no flush.
    func kill() async {
        _ = Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    /// SIGTERM, and waits for the exit.
    func stop() async {
        process.terminate()
        await waitForExit()
    }

    /// Waits on a thread of its own: blocking a thread of the cooperative pool (two on this
    /// machine) would stall the servers of the tests running beside this one.
    private func waitForExit() async {
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                process.waitUntilExit()
                continuation.resume()
            }.start()
        }
    }
}
