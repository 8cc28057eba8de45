import PostgresClient
import Testing

/// What bounds a pool's callers: how long they wait for a connection, and how long a session
/// may sit inside a transaction.
@Suite("PostgresPool limits")
struct PostgresPoolLimitTests {
    @Test("a caller that waits longer than acquireTimeout fails with a connection error naming the pool")
    func acquireTimeout() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.connection.applicationName = "pool-limit-test"
        configuration.maximumConnections = 1
        configuration.acquireTimeout = .milliseconds(300)
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        // Far longer than the acquire timeout, so the second caller cannot get the connection.
        let holder = Task { try await pool.execute("select pg_sleep(5)") }
        var held = false
        for _ in 0..<200 where !held {
            held = pool.statistics.workers == 1 && pool.statistics.idle == 0
            if !held { try await Task.sleep(for: .milliseconds(10)) }
        }
        try #require(held)
        let error = await #expect(throws: PostgresError.self) { try await pool.execute("select 1") }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("pool 'pool-limit-test'") == true, "\(String(describing: error))")
        #expect(pool.statistics.waiting == 0)
        _ = try await holder.value
    }

    @Test("callers served after waiting are counted, with the time they waited")
    func waitsCounted() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.maximumConnections = 1
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        #expect(pool.statistics.waits == 0)
        // Two callers on one connection: one of them waits for the other's 0.2 s.
        async let first = pool.execute("select pg_sleep(0.2)")
        async let second = pool.execute("select pg_sleep(0.2)")
        _ = try await (first, second)
        #expect(pool.statistics.waits == 1)
        #expect(pool.statistics.waitedSeconds > 0)
    }

    @Test("statement_timeout and idle_in_transaction_session_timeout are set on every connection")
    func sessionTimeouts() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.statementTimeout = .milliseconds(1500)
        configuration.idleInTransactionTimeout = .milliseconds(2500)
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        let statement = try await pool.execute("show statement_timeout").string(row: 0, column: 0)
        let idle = try await pool.execute("show idle_in_transaction_session_timeout").string(row: 0, column: 0)
        #expect(statement == "1500ms")
        #expect(idle == "2500ms")
    }
}
