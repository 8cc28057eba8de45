import Foundation
import HTTP2Transport
import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore
import ServiceHostTesting

/// The built `lifelong-kb` executable, run as a child process on a free port
/// (``ServiceProcess``), and a client to it over HTTP/2.
final class KnowledgeBaseProcess: Sendable {
    let child: ServiceProcess
    let transport: HTTP2ClientTransport
    let client: Lifelong_V1_KnowledgeBase.Client

    var port: Int { child.port }
    var process: Process { child.process }

    /// The repository root (for scripts).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    typealias Failure = ServiceProcess.Failure

    /// Starts `lifelong-kb --port 0` against `postgresURL` with the given schema and the test
    /// tokens, and waits for its "listening" line; the client sends the service token.
    init(postgresURL: String, schema: String, extraArguments: [String] = []) async throws {
        child = try await ServiceProcess(
            "lifelong-kb",
            arguments: ["--postgres-url", postgresURL, "--schema", schema, "--log-level", "warning"] + TestServiceHost.authArguments
                + extraArguments)
        transport = HTTP2ClientTransport(host: "127.0.0.1", port: child.port)
        client = Lifelong_V1_KnowledgeBase.Client(
            wrapping: RPCClient(transport: transport.authenticated(with: TestServiceHost.token(.service))))
    }

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

    /// `kill -9`.
    func kill() async {
        await child.kill()
        await transport.close()
    }

    /// SIGTERM, and wait.
    func stop() async {
        await child.stop()
        await transport.close()
    }

    /// Sends a signal.
    func signal(_ number: Int32) { child.signal(number) }

    /// Whether the process is still running.
    var isRunning: Bool { child.isRunning }

    /// The exit status, once the process has exited (``isRunning`` is false).
    func exitStatus() async -> Int32 { await child.exitStatus() }

    /// Whether a process exists and has not exited.
    static func isAlive(_ pid: Int32) -> Bool { ServiceProcess.isAlive(pid) }
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
