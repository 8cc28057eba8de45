public import LifelongProto
public import Logging
public import PostgresClient
public import RPCCore
public import ServiceLifecycle

/// The gateway: a connection pool, the service over it and the job loop. Create one,
/// ``migrate()``, host ``service``, run ``loop``, and ``shutdown()`` at the end.
public final class Gateway: Sendable {
    /// The configuration it was made with.
    public let configuration: GatewayConfiguration
    /// The connection pool.
    public let pool: PostgresPool
    /// The service to register with a server.
    public let service: GatewayService
    /// The job loop (run it as a background service).
    public let loop: JobLoop
    /// What the service needs around its handlers: its error mapping.
    public let interceptors: [any ServerInterceptor] = [ErrorMappingInterceptor(GatewayErrors.rpcError(for:))]
    private let logger: Logger

    /// Creates the gateway; connects lazily.
    /// - Parameters:
    ///   - configuration: PostgreSQL, schema, loop settings.
    ///   - knowledgeBase: The KB's generated client (samples, snapshots, models).
    ///   - training: The training service's generated client (rounds, evaluation).
    ///   - logger: Where to log.
    public init(
        configuration: GatewayConfiguration, knowledgeBase: Lifelong_V1_KnowledgeBase.Client, training: Lifelong_V1_Training.Client,
        logger: Logger = Logger(label: "lifelong.gateway")
    ) {
        var postgres = configuration.postgres
        postgres.sessionSettings["search_path"] = configuration.schema
        if postgres.connection.applicationName == nil { postgres.connection.applicationName = "lifelong-gateway" }
        self.configuration = configuration
        self.logger = logger
        pool = PostgresPool(configuration: postgres, logger: logger)
        let store = JobStore(pool: pool)
        service = GatewayService(store: store, kb: knowledgeBase, training: training, configuration: configuration, logger: logger)
        let oracle = configuration.oracleFiles.isEmpty ? nil : OracleLabeller(files: configuration.oracleFiles, service: service, logger: logger)
        loop = JobLoop(store: store, training: training, configuration: configuration, oracle: oracle, logger: logger)
    }

    /// Applies the missing schema migrations.
    @discardableResult
    public func migrate() async throws -> PostgresMigrator.Outcome {
        let outcome = try await PostgresMigrator(schema: configuration.schema, migrations: GatewayMigrations.all).migrate(pool)
        logger.info(
            "schema ready",
            metadata: ["gateway.schema": "\(configuration.schema)", "gateway.schema_version": "\(outcome.currentVersion)"])
        return outcome
    }

    /// Closes the pool. Idempotent.
    public func shutdown() {
        pool.close()
    }
}

extension JobLoop: Service, CustomStringConvertible {
    public var description: String { "JobLoop(\(configuration.instanceID))" }

    /// Goes round the jobs until the service group shuts down.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.loopUntilCancelled() }
    }
}
