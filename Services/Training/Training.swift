public import JobQueue
public import LifelongProto
public import Logging
public import PostgresClient
public import RPCCore

/// The training service: a connection pool, the job queue, the service over it and the
/// workers that train. Create one, ``migrate()``, host ``service`` and run ``worker``, and
/// ``shutdown()`` at the end. Several instances on one schema share the queue.
public final class Training: Sendable {
    /// The configuration it was made with.
    public let configuration: TrainingConfiguration
    /// The connection pool.
    public let pool: PostgresPool
    /// The queue the runs' units wait in.
    public let queue: JobQueue
    /// The service to register with a server.
    public let service: TrainingService
    /// The workers of this instance (run ``TrainingWorker/run()`` as a background service).
    public let worker: TrainingWorker
    /// What this instance's workers did on the queue (``TrainingMetrics`` reports it).
    public let statistics = QueueStatistics()
    /// What the service needs around its handlers: its error mapping.
    public let interceptors: [any ServerInterceptor] = [ErrorMappingInterceptor(TrainingError.rpcError(for:))]
    private let logger: Logger

    /// Creates the service; connects lazily.
    /// - Parameters:
    ///   - configuration: PostgreSQL, schema, worker and lease settings.
    ///   - knowledgeBase: The KB's generated client.
    ///   - taskMining: Task mining's generated client (clustering plans; relations, groups and
    ///     detectors of every snapshot published).
    ///   - logger: Where to log.
    public init(
        configuration: TrainingConfiguration, knowledgeBase: Lifelong_V1_KnowledgeBase.Client,
        taskMining: Lifelong_V1_TaskMining.Client, logger: Logger = Logger(label: "lifelong.training")
    ) {
        var postgres = configuration.postgres
        postgres.sessionSettings["search_path"] = configuration.schema
        if postgres.connection.applicationName == nil { postgres.connection.applicationName = "lifelong-training" }
        self.configuration = configuration
        self.logger = logger
        let pool = PostgresPool(configuration: postgres, logger: logger)
        self.pool = pool
        let queue = JobQueue(pool: pool, queue: configuration.queue)
        self.queue = queue
        var kb = KnowledgeBaseAccess(client: knowledgeBase)
        kb.retry.initialBackoff = configuration.unreachableRetry
        var mining = TaskMiningAccess(client: taskMining)
        mining.retry.initialBackoff = configuration.unreachableRetry
        let store = RunStore(pool: pool, queue: queue)
        service = TrainingService(store: store, kb: kb, configuration: configuration, logger: logger)
        worker = TrainingWorker(
            store: store, kb: kb, mining: mining, configuration: configuration, statistics: statistics, logger: logger)
    }

    /// Applies the missing schema migrations (the queue's, then the service's).
    /// - Returns: The migrations applied now and the schema version.
    @discardableResult
    public func migrate() async throws -> PostgresMigrator.Outcome {
        let outcome = try await PostgresMigrator(schema: configuration.schema, migrations: TrainingMigrations.all).migrate(pool)
        logger.info(
            "schema ready",
            metadata: [
                "training.schema": "\(configuration.schema)", "training.schema_version": "\(outcome.currentVersion)",
                "training.migrations_applied": "\(outcome.applied)",
            ])
        return outcome
    }

    /// Closes the pool. Idempotent.
    public func shutdown() {
        pool.close()
    }
}
