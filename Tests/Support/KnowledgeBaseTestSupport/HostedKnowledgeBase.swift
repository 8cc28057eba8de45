public import HTTP2Transport
public import KnowledgeBase
public import PostgresClient
import PostgresTestSupport
import ServiceHost
public import ServiceHostTesting
import PostgresHosting

/// A knowledge base hosted the way `lifelong-kb` hosts it (ServiceHost: interceptors, pool and
/// listener as services, dependency health), in-process on port 0 over real HTTP/2, in a
/// throwaway schema: for the knowledge base's tests and for services that read from it.
public enum HostedKnowledgeBase {
    /// Runs `body` with a migrated, hosted knowledge base; drops its schema at the end.
    /// - Parameters:
    ///   - connection: The test PostgreSQL.
    ///   - prefix: The start of the schema's name.
    ///   - connections: The pool's size.
    ///   - serverConfiguration: Limits and windows of the server.
    ///   - configure: Changes to the knowledge base's configuration.
    ///   - body: The test, with the knowledge base and the running host (its client transport).
    /// - Returns: What `body` returns.
    /// - Throws: `PostgresTestEnvironment.Unavailable` when PostgreSQL cannot be reached, and
    ///   what `body` throws.
    public static func withRunning<T: Sendable>(
        connection: PostgresConfiguration, prefix: String = "kbhost", connections: Int = 4,
        serverConfiguration: HTTP2ServerConfiguration = .init(),
        configure: (inout KnowledgeBaseConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (KnowledgeBase, TestServiceHost.Running) async throws -> T
    ) async throws -> T {
        try await ThrowawaySchema.with(prefix: prefix, connection: connection) { schema in
            var pool = PostgresPoolConfiguration(connection: connection)
            pool.maximumConnections = connections
            var configuration = KnowledgeBaseConfiguration(postgres: pool)
            configuration.schema = schema
            configure(&configuration)
            let kb = KnowledgeBase(configuration: configuration, logger: HostLogging.silent)
            do {
                try await kb.migrate()
            } catch {
                kb.shutdown()
                throw PostgresTestEnvironment.Unavailable(configuration: connection, underlying: error)
            }
            return try await TestServiceHost.withRunning(
                services: [kb.service], interceptors: kb.interceptors, serverConfiguration: serverConfiguration,
                background: [PostgresPoolService(kb.pool), PostgresListenerService(kb.listener)],
                dependencies: [PostgresReachabilityProbe(configuration: connection).probe]
            ) { (running: TestServiceHost.Running) async throws in
                try await body(kb, running)
            }
        }
    }
}
