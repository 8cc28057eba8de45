public import Logging
public import PostgresClient
public import RPCCore

/// The knowledge base: a connection pool, a listener for version announcements, the schema
/// migrations and the service over them. Create one, ``migrate()``, host ``service``, and
/// ``shutdown()`` at the end.
///
/// ```swift
/// let kb = KnowledgeBase(configuration: .init(postgres: .init(connection: try .fromEnvironment())))
/// try await kb.migrate()
/// let transport = InProcessTransport(router: kb.router)
/// ```
public final class KnowledgeBase: Sendable {
    /// The configuration it was made with.
    public let configuration: KnowledgeBaseConfiguration
    /// The connection pool (exposed for health checks and tests).
    public let pool: PostgresPool
    /// The service to register with a server or an in-process transport.
    public let service: KnowledgeBaseService
    /// The LISTEN/NOTIFY listener that wakes snapshot watchers (run it as a service).
    public let listener: PostgresListener
    /// Where PutModel uploads wait until they are complete and verified.
    public let uploadSpool: UploadSpool
    /// What the service needs around its handlers: its error mapping.
    public let interceptors: [any ServerInterceptor] = [ErrorMappingInterceptor(KnowledgeBaseError.rpcError(for:))]
    private let logger: Logger

    /// Creates the knowledge base; connects lazily.
    /// - Parameters:
    ///   - configuration: PostgreSQL, schema and limits.
    ///   - logger: Where to log.
    public init(configuration: KnowledgeBaseConfiguration, logger: Logger = Logger(label: "lifelong.kb")) {
        var postgres = configuration.postgres
        postgres.sessionSettings["search_path"] = configuration.schema
        if postgres.connection.applicationName == nil { postgres.connection.applicationName = "lifelong-kb" }
        self.configuration = configuration
        self.logger = logger
        let pool = PostgresPool(configuration: postgres, logger: logger)
        let listener = PostgresListener(
            configuration: postgres, channels: [Self.channel(schema: configuration.schema)], logger: logger)
        self.pool = pool
        self.listener = listener
        let spool = UploadSpool(directory: configuration.uploadSpoolDirectory, budget: configuration.limits.uploadSpoolBytes)
        uploadSpool = spool
        let snapshots = SnapshotStore(
            pool: pool, limits: configuration.limits, cache: SnapshotCache(capacity: configuration.snapshotCacheCapacity),
            channel: Self.channel(schema: configuration.schema))
        service = KnowledgeBaseService(
            snapshots: snapshots,
            models: ModelStore(pool: pool, limits: configuration.limits, spool: spool),
            samples: SampleStore(pool: pool, limits: configuration.limits),
            tasks: TaskQuery(pool: pool, limits: configuration.limits, snapshots: snapshots),
            watcher: SnapshotWatcher(snapshots: snapshots, listener: listener, limits: configuration.limits),
            logger: logger)
    }

    /// The service with its interceptors, for an in-process transport.
    public var router: RPCRouter {
        var router = RPCRouter()
        router.register(service)
        return router.intercepted(by: interceptors)
    }

    /// The NOTIFY channel of a schema's version announcements.
    static func channel(schema: String) -> String { "\(schema)_snapshots" }

    /// Applies the schema migrations that are missing (in one transaction) and starts
    /// listening for version announcements.
    /// - Returns: The migrations applied now and the schema version.
    /// - Throws: ``PostgresError`` when PostgreSQL is unreachable or a migration fails.
    @discardableResult
    public func migrate() async throws -> PostgresMigrator.Outcome {
        let outcome = try await PostgresMigrator(schema: configuration.schema, migrations: KnowledgeBaseMigrations.all)
            .migrate(pool)
        logger.info(
            "schema ready",
            metadata: [
                "kb.schema": "\(configuration.schema)", "kb.schema_version": "\(outcome.currentVersion)",
                "kb.migrations_applied": "\(outcome.applied)",
            ])
        listener.start()
        return outcome
    }

    /// Whether PostgreSQL answers now (one statement on a pooled connection).
    public func isDatabaseReachable() async -> Bool {
        (try? await pool.execute("select 1")) != nil
    }

    /// Stops the listener (ending every watch) and closes the pool. Idempotent.
    public func shutdown() {
        listener.stop()
        pool.close()
    }
}
