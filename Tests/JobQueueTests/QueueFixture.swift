import JobQueue
import PostgresClient
import PostgresTestSupport
import ServiceHostTesting

/// A queue in a throwaway schema of the test PostgreSQL.
enum QueueFixture {
    static let connection = PostgresTestEnvironment.configuration(applicationName: "JobQueueTests")

    /// Runs `body` with a migrated queue of its own schema.
    static func withQueue<T: Sendable>(_ body: (JobQueue) async throws -> T) async throws -> T {
        try await ThrowawaySchema.with(prefix: "jobqueue", connection: connection) { schema in
            var configuration = PostgresPoolConfiguration(connection: connection)
            configuration.maximumConnections = 6
            configuration.sessionSettings["search_path"] = schema
            let pool = PostgresPool(configuration: configuration)
            defer { pool.close() }
            do {
                _ = try await PostgresMigrator(schema: schema, migrations: JobQueueMigrations.all).migrate(pool)
            } catch {
                throw PostgresTestEnvironment.Unavailable(configuration: connection, underlying: error)
            }
            return try await body(JobQueue(pool: pool, queue: "test"))
        }
    }

    /// A run of `count` stage-0 units named `u0`, `u1`, ….
    static func run(_ id: String, units count: Int, maxAttempts: Int = 3) -> QueueRunSpec {
        QueueRunSpec(
            id: id, payload: Array(id.utf8),
            units: (0..<count).map { QueueUnitSpec(name: "u\($0)", payload: [UInt8($0 % 256)], maxAttempts: maxAttempts) })
    }
}
