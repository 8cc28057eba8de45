import Foundation
import HTTP2Transport
import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore

/// The built `lifelong-kb` executable, run as a child process on a free port, and a client
/// to it over HTTP/2.
final class KnowledgeBaseProcess: @unchecked Sendable {
    let process: Process
    let port: Int
    let transport: HTTP2ClientTransport
    let client: Lifelong_V1_KnowledgeBase.Client
    private let output: Pipe

    /// Where `swift build` put the executable: next to the test bundle.
    static var executable: URL {
        get throws {
            let me = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            var directory = me.deletingLastPathComponent()
            // On Linux the test binary is `<scratch>/debug/LifelongPackageTests.xctest`.
            for _ in 0..<3 {
                let candidate = directory.appendingPathComponent("lifelong-kb")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                directory = directory.deletingLastPathComponent()
            }
            throw Failure(
                "lifelong-kb is not built next to the tests (\(me.deletingLastPathComponent().path)); run `swift build` first (make test does)")
        }
    }

    /// The repository root (for scripts).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Starts `lifelong-kb --port 0` against `postgresURL` with the given schema and waits
    /// for its "listening" line.
    init(postgresURL: String, schema: String, extraArguments: [String] = []) async throws {
        let process = Process()
        process.executableURL = try Self.executable
        process.arguments =
            ["--port", "0", "--postgres-url", postgresURL, "--schema", schema, "--log-level", "warning"] + extraArguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.output = output

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
        guard line.hasPrefix("lifelong-kb listening on "), let port = line.split(separator: ":").last.flatMap({ Int($0) })
        else {
            process.terminate()
            throw Failure("lifelong-kb did not start; its first line was '\(line)'")
        }
        self.port = port
        transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport))
    }

    /// A test that fails half-way must not leave the service running.
    deinit {
        if Self.isAlive(process.processIdentifier) { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// `kill -9`.
    /// Sizes of the upload spool files the process has open (Linux: its descriptors of
    /// unlinked `upload-*` files, as `/proc/<pid>/fd` shows them).
    func spoolFileSizes() -> [Int] {
        let directory = "/proc/\(process.processIdentifier)/fd"
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return descriptors.compactMap { descriptor in
            let path = "\(directory)/\(descriptor)"
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path),
                target.contains("/upload-"), target.hasSuffix("(deleted)")
            else { return nil }
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            return Int(status.st_size)
        }
    }

    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
        await transport.close()
    }

    /// SIGTERM, and wait.
    func stop() async {
        process.terminate()
        await waitForExit()
        await transport.close()
    }

    /// Waits until the process has exited, reading /proc rather than `Process.isRunning`,
    /// which depends on a Dispatch handler that a busy test run may not schedule in time.
    private func waitForExit() async {
        while Self.isAlive(process.processIdentifier) { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Sends a signal.
    func signal(_ number: Int32) {
        Foundation.kill(process.processIdentifier, number)
    }

    /// Whether the process is still running.
    var isRunning: Bool { Self.isAlive(process.processIdentifier) }

    /// The exit status, once the process has exited (``isRunning`` is false).
    func exitStatus() async -> Int32 {
        let process = self.process
        return await withCheckedContinuation { continuation in
            Thread {
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }.start()
        }
    }

    /// Whether a process exists and has not exited (an exited, unreaped one is state `Z`).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].drop(while: { $0 == " " }).first
        return state != "Z" && state != "X"
    }
}

/// A private PostgreSQL cluster (scripts/kb/private-postgres.sh) that a test may crash and
/// restart without disturbing the shared one.
struct PrivatePostgres {
    let directory: String
    let port: Int

    var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    var configuration: PostgresConfiguration {
        PostgresConfiguration(host: "127.0.0.1", port: port, user: "postgres", database: "postgres", connectTimeout: .seconds(5))
    }

    static func create() throws -> PrivatePostgres {
        let directory = "/tmp/lifelong-kb-pg-\(UInt32.random(in: 0...UInt32.max))"
        // A port in a range the shared clusters (from 55432) and ephemeral ports avoid.
        for _ in 0..<20 {
            let port = Int.random(in: 41000..<42000)
            let cluster = PrivatePostgres(directory: directory, port: port)
            do {
                try cluster.run("init", String(port))
                try cluster.run("start")
                return cluster
            } catch {
                try? cluster.run("destroy")
            }
        }
        throw KnowledgeBaseProcess.Failure("could not start a private PostgreSQL cluster (scripts/kb/private-postgres.sh)")
    }

    func crash() throws { try run("crash") }
    func start() throws { try run("start") }
    func destroy() { try? run("destroy") }

    func run(_ command: String, _ arguments: String...) throws {
        let script = KnowledgeBaseProcess.repository.appendingPathComponent("scripts/kb/private-postgres.sh").path
        let status = try Self.spawnAndWait(["/bin/bash", script, command, directory] + arguments)
        guard status == 0 else {
            throw KnowledgeBaseProcess.Failure("private-postgres.sh \(command) failed with status \(status)")
        }
    }

    /// posix_spawn + waitpid: Foundation's `Process.waitUntilExit` can miss the exit of a
    /// child whose own child (the postmaster) lives on.
    static func spawnAndWait(_ arguments: [String]) throws -> Int32 {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw KnowledgeBaseProcess.Failure("cannot run \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }
}
