import HTTP2Transport
import KnowledgeBaseTestSupport
import LifelongCore
import LifelongLearning
import LifelongProto
import PostgresTestSupport
import RPCCore
import ServiceHost
import ServiceHostTesting
import TaskMining
import Testing

/// Hosts for the tests: task mining in-process on port 0 over real HTTP/2 (ServiceHostTesting),
/// alone or reading from a hosted knowledge base on a real PostgreSQL in a throwaway schema.
enum TaskMiningHarness {
    /// Runs `body` with a client of a hosted task-mining service whose knowledge base is
    /// `knowledgeBase` (by default an address where nothing listens).
    static func withMining<T: Sendable>(
        configuration: TaskMiningConfiguration = .init(), knowledgeBase: (any ClientTransport)? = nil,
        _ body: (Lifelong_V1_TaskMining.Client) async throws -> T
    ) async throws -> T {
        let unreachable = HTTP2ClientTransport(host: "127.0.0.1", port: 1)
        let mining = TaskMining(configuration: configuration, knowledgeBase: knowledgeBase ?? unreachable, logger: HostLogging.silent)
        defer { Task { await unreachable.close() } }
        return try await TestServiceHost.withRunning(services: [mining.service], interceptors: mining.interceptors) { running in
            try await body(Lifelong_V1_TaskMining.Client(wrapping: RPCClient(transport: running.transport)))
        }
    }

    /// Runs `body` with a hosted knowledge base (its client) and a task-mining service that
    /// reads from it over HTTP/2 (its client).
    static func withKnowledgeBase<T: Sendable>(
        configuration: TaskMiningConfiguration = .init(),
        _ body: @escaping @Sendable (Lifelong_V1_KnowledgeBase.Client, Lifelong_V1_TaskMining.Client) async throws -> T
    ) async throws -> T {
        let connection = PostgresTestEnvironment.configuration(applicationName: "TaskMiningTests")
        return try await HostedKnowledgeBase.withRunning(connection: connection, prefix: "tmtest", connections: 2) { _, running in
            let client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: running.transport))
            return try await withMining(configuration: configuration, knowledgeBase: running.transport) { mining in try await body(client, mining) }
        }
    }
}
