import Foundation
import HTTP2Transport
import LifelongProto
import PostgresClient
import PostgresTestSupport
import RPCCore
import ServiceHostTesting
import ServiceAuth
import Synchronization
import TLSTestSupport

/// The whole system as processes on loopback: lifelong-kb, lifelong-taskmining,
/// lifelong-training and lifelong-gateway on the test PostgreSQL (throwaway schemas), and
/// `edges` lifelong-edge nodes syncing with the gateway. The gateway can be stopped and
/// started again on the same port.
final class LoopStack: Sendable {
    static let connection = PostgresTestEnvironment.configuration(applicationName: "GatewayTests")

    let kb: ServiceProcess
    let taskMining: ServiceProcess
    let edges: [ServiceProcess]
    let gatewayPort: Int
    /// TLS of every service's port and of every call between them, when the stack uses it.
    let tls: TLSClientSettings?
    /// The processes that can be killed and started again, by executable.
    private let restartable: Mutex<[String: ServiceProcess]>
    private let restartArguments: [String: (port: Int, arguments: [String])]
    private let transports: Mutex<[HTTP2ClientTransport]> = Mutex([])

    /// Runs `body` with a started stack serving `job` at its edges; stops everything after.
    static func with<T: Sendable>(
        job: String, edges edgeCount: Int = 2, trainingArguments: [String] = [], gatewayArguments: [String] = [],
        edgeArguments: [String] = [], certificates: TestCertificates? = nil, _ body: @escaping @Sendable (LoopStack) async throws -> T
    ) async throws -> T {
        try await ThrowawaySchema.with(prefix: "loopkb", connection: connection) { kbSchema in
            try await ThrowawaySchema.with(prefix: "looptr", connection: connection) { trainingSchema in
                try await ThrowawaySchema.with(prefix: "loopgw", connection: connection) { gatewaySchema in
                    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("loop-\(UUID().uuidString)")
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    defer { try? FileManager.default.removeItem(at: folder) }
                    let stack = try await LoopStack(
                        job: job, edges: edgeCount, folder: folder, schemas: (kbSchema, trainingSchema, gatewaySchema),
                        trainingArguments: trainingArguments, gatewayArguments: gatewayArguments, edgeArguments: edgeArguments,
                        certificates: certificates)
                    let outcome: Result<T, any Error>
                    do { outcome = .success(try await body(stack)) } catch { outcome = .failure(error) }
                    await stack.stop()
                    return try outcome.get()
                }
            }
        }
    }

    private init(
        job: String, edges edgeCount: Int, folder: URL, schemas: (kb: String, training: String, gateway: String),
        trainingArguments: [String], gatewayArguments extraGatewayArguments: [String], edgeArguments: [String],
        certificates: TestCertificates?
    ) async throws {
        // With certificates, every port is TLS and every call between services verifies it.
        let tlsArguments = certificates.map {
            ["--tls-certificate", $0.path("server.pem"), "--tls-key", $0.path("server.key"), "--service-ca", $0.ca]
        } ?? []
        tls = certificates.map { TLSClientSettings(trustRootsFile: $0.ca) }
        let quiet = ["--log-level", "warning"] + TestServiceHost.authArguments + tlsArguments
        kb = try await ServiceProcess("lifelong-kb", arguments: ["--schema", schemas.kb] + quiet)
        taskMining = try await ServiceProcess("lifelong-taskmining", arguments: ["--kb-address", "127.0.0.1:\(kb.port)"] + quiet)
        let trainingArguments = [
            "--schema", schemas.training, "--kb-address", "127.0.0.1:\(kb.port)", "--taskmining-address", "127.0.0.1:\(taskMining.port)",
        ] + quiet + trainingArguments
        // The services a test restarts on their ports run on quiet ones (no client connection
        // takes such a port while the service is down; `TestServiceHost.quietPort()`).
        let training = try await ServiceProcess("lifelong-training", port: try TestServiceHost.quietPort(), arguments: trainingArguments)
        let gatewayArguments = [
            "--schema", schemas.gateway, "--kb-address", "127.0.0.1:\(kb.port)", "--training-address", "127.0.0.1:\(training.port)",
            "--tick-seconds", "0.2",
        ] + quiet + extraGatewayArguments
        let gateway = try await ServiceProcess("lifelong-gateway", port: try TestServiceHost.quietPort(), arguments: gatewayArguments)
        gatewayPort = gateway.port
        restartable = Mutex(["lifelong-training": training, "lifelong-gateway": gateway])
        restartArguments = [
            "lifelong-training": (training.port, trainingArguments), "lifelong-gateway": (gateway.port, gatewayArguments),
        ]
        var edges: [ServiceProcess] = []
        for index in 1...max(1, edgeCount) where edgeCount > 0 {
            edges.append(
                try await ServiceProcess(
                    "lifelong-edge",
                    arguments: [
                        "--gateway-address", "127.0.0.1:\(gateway.port)", "--node-id", Self.edgeNode(index), "--job-id", job,
                        "--store", folder.appendingPathComponent("\(Self.edgeNode(index)).sqlite").path, "--sync-interval", "0.3",
                        "--gateway-token-file", TestServiceHost.tokens.tokenFile(.edge, node: Self.edgeNode(index)),
                        "--log-level", "warning", "--auth-tokens", TestServiceHost.tokens.storeFile,
                    ] + tlsArguments + (certificates.map { ["--gateway-ca", $0.ca] } ?? []) + edgeArguments))
        }
        self.edges = edges
    }

    /// The node name of edge `index` (from 1): one the test tokens have an edge token for.
    static func edgeNode(_ index: Int) -> String { TestServiceHost.edgeNodes[index - 1] }

    /// A transport to a local port sending `token` (the admin's by default), closed when the
    /// stack stops.
    func transport(port: Int, token: BearerToken? = TestServiceHost.token(.admin)) -> InterceptedClientTransport {
        var configuration = HTTP2ClientConfiguration()
        configuration.tls = tls
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
        transports.withLock { $0.append(transport) }
        return transport.authenticated(with: token)
    }

    var gateway: Lifelong_V1_Gateway.Client { Lifelong_V1_Gateway.Client(wrapping: RPCClient(transport: transport(port: gatewayPort))) }

    func edge(_ index: Int) -> Lifelong_V1_EdgeInference.Client {
        Lifelong_V1_EdgeInference.Client(wrapping: RPCClient(transport: transport(port: edges[index].port)))
    }

    /// `kill -9` of a restartable service (`lifelong-gateway`, `lifelong-training`).
    func kill(_ name: String) async {
        let process = restartable.withLock { $0.removeValue(forKey: name) }
        await process?.kill()
    }

    /// Starts a killed service again, on its port.
    func restart(_ name: String) async throws {
        let (port, arguments) = restartArguments[name]!
        let process = try await ServiceProcess(name, port: port, arguments: arguments)
        restartable.withLock { $0[name] = process }
    }

    private func stop() async {
        for transport in transports.withLock({ $0 }) { await transport.close() }
        for edge in edges { await edge.stop() }
        for process in restartable.withLock({ Array($0.values) }) { await process.stop() }
        await taskMining.stop()
        await kb.stop()
    }
}

/// Waits for a condition, polling.
enum Eventually {
    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    /// Polls `check` until it returns a value, for at most `timeout`.
    static func value<T: Sendable>(
        _ what: String, timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(200),
        _ check: @Sendable () async throws -> T?
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            do {
                if let value = try await check() { return value }
            } catch {
                lastError = error
            }
            try await Task.sleep(for: interval)
        }
        throw TimedOut(description: "timed out waiting for \(what)" + (lastError.map { " (last error: \($0))" } ?? ""))
    }
}
