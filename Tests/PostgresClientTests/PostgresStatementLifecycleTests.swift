import Dispatch
@testable import PostgresClient
import Testing

/// What happens to a statement around it: a schema change under a prepared statement, and a
/// cancel request that arrives late.
@Suite("Prepared statements across schema changes; late cancel requests")
struct PostgresStatementLifecycleTests {
    static func pool(size: Int, applicationName: String = "PostgresClientTests") -> PostgresPool {
        var connection = TestDatabase.configuration
        connection.applicationName = applicationName
        var configuration = PostgresPoolConfiguration(connection: connection)
        configuration.maximumConnections = size
        return PostgresPool(configuration: configuration)
    }

    @Test("a prepared select * keeps working after alter table add column (0A000 re-prepared, outside a transaction)")
    func reprepareOutsideTransaction() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("create temp table widened (a int8)")
        try connection.execute("insert into widened values (1)")
        let first = try connection.executePrepared("select * from widened")
        #expect(first.columnCount == 1)
        try connection.execute("alter table widened add column b text default 'x'")
        // Without re-preparing, PostgreSQL refuses the cached plan: 0A000.
        let second = try connection.executePrepared("select * from widened")
        #expect(second.columnCount == 2)
        #expect(try second.string(row: 0, column: "b") == "x")
        // The old statement was deallocated and the new one is prepared under a new name.
        let prepared = try connection.execute("select name from pg_prepared_statements order by name")
        #expect(try (0..<prepared.rowCount).map { try prepared.string(row: $0, column: 0) } == ["lifelong_2"])
    }

    @Test("inside a transaction the stale statement aborts it once; withTransaction runs it again and succeeds")
    func reprepareInsideTransaction() async throws {
        let pool = Self.pool(size: 1)
        defer { pool.close() }
        let table = "widened_\(UInt32.random(in: 0...UInt32.max))"
        try await pool.execute("create table \(table) (a int8)")
        try await pool.execute("insert into \(table) values (1)")
        let attempts = Locked(0)
        let read: @Sendable (PostgresConnection) throws -> Int = { connection in
            attempts.update { $0 += 1 }
            return try connection.executePrepared("select * from \(table)").columnCount
        }
        #expect(try await pool.withTransaction(read) == 1)
        #expect(attempts.value == 1)
        try await pool.execute("alter table \(table) add column b int8")
        #expect(try await pool.withTransaction(read) == 2)
        // One aborted attempt (0A000), one that re-prepared: exactly two.
        #expect(attempts.value == 3)
        // And outside a transaction after another change: no error at all.
        try await pool.execute("alter table \(table) add column c int8")
        #expect(try await pool.run { try $0.executePrepared("select * from \(table)").columnCount } == 3)
        try await pool.execute("drop table \(table)")
    }

    @Test("a cancel request racing with the end of a run never cancels the next statement on that connection")
    func lateCancelDoesNotHitTheNextStatement() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let token = try #require(connection.cancelToken)
        var hurt = 0
        for _ in 0..<40 {
            let run = RunCancellation()
            #expect(run.begin(token))
            // The task is cancelled from another thread just as its run ends; then the next
            // caller's statement starts on the same connection.
            let cancelled = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                run.cancel()
                cancelled.signal()
            }
            run.end()
            do {
                try connection.execute("select pg_sleep(0.02)")
            } catch let error as PostgresError where error.code == "57014" {
                hurt += 1
            }
            cancelled.wait()
        }
        // Requests already queued must not land later either.
        RunCancellation.queue.sync(flags: .barrier) {}
        try connection.execute("select pg_sleep(0.05)")
        #expect(hurt == 0)
    }

    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
