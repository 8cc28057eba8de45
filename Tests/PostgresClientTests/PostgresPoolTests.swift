import Dispatch
import PostgresClient
import Synchronization
import Testing

/// The pool, transactions, prepared statements, the extra binary types and LISTEN/NOTIFY,
/// against a real server (see ``TestDatabase``). Tables are temporary or in schemas of
/// their own, so the tests run in parallel.
@Suite("PostgresPool, transactions, arrays, notifications")
struct PostgresPoolTests {
    static func pool(size: Int = 4) -> PostgresPool {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.maximumConnections = size
        // These tests are about queueing and results, not the acquire timeout (PostgresPoolLimitTests):
        // on a loaded machine a caller may wait longer than the 10 s default.
        configuration.acquireTimeout = .seconds(300)
        return PostgresPool(configuration: configuration)
    }

    @Test("more concurrent callers than connections all get served, on at most N connections")
    func bounded() async throws {
        let pool = Self.pool(size: 3)
        defer { pool.close() }
        let backends = Locked(Set<Int64>())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    let pid = try await pool.run { connection in
                        try connection.execute("select pg_backend_pid()::int8, pg_sleep(0.01)").int64(row: 0, column: 0) ?? 0
                    }
                    backends.update { _ = $0.insert(pid) }
                }
            }
            try await group.waitForAll()
        }
        #expect(backends.value.count <= 3)
        #expect(pool.statistics.workers <= 3)
        #expect(pool.statistics.waiting == 0)
    }

    @Test("timestamptz, jsonb and arrays round-trip in binary")
    func types() async throws {
        let pool = Self.pool()
        defer { pool.close() }
        let result = try await pool.execute(
            """
            select $1::timestamptz as t, $2::jsonb as j, $3::float8[] as f, $4::int8[] as i, $5::text[] as s,
                $6::bool[] as b, $7::bytea[] as y, '{}'::float8[] as empty,
                timestamptz '2000-01-01 00:00:00+00' as y2k, array_length($3::float8[], 1)::int8 as n
            """,
            parameters: [
                .timestamptz(1_700_000_000_123_456), .jsonb("{\"a\": [1, \"x\"]}"), .float8Array([1.5, .nan, -0.0, .infinity]),
                .int8Array([1, -2, .max]), .textArray(["", "é", "a,b"]), .boolArray([true, false]),
                .byteaArray([[0, 1, 255], []]),
            ])
        #expect(try result.timestampMicroseconds(row: 0, column: "t") == 1_700_000_000_123_456)
        #expect(try result.timestampMicroseconds(row: 0, column: "y2k") == 946_684_800_000_000)
        #expect(try result.json(row: 0, column: "j") == "{\"a\": [1, \"x\"]}")
        let floats = try #require(try result.doubleArray(row: 0, column: "f"))
        #expect(floats.count == 4 && floats[0] == 1.5 && floats[1].isNaN && floats[2].sign == .minus && floats[3] == .infinity)
        #expect(try result.int64Array(row: 0, column: "i") == [1, -2, .max])
        #expect(try result.stringArray(row: 0, column: "s") == ["", "é", "a,b"])
        #expect(try result.doubleArray(row: 0, column: "empty") == [])
        #expect(try result.int64(row: 0, column: "n") == 4)
        #expect(throws: PostgresError.self) { try result.doubleArray(row: 0, column: "i") }
    }

    @Test("prepared statements are reused per connection and typed by their parameters")
    func prepared() async throws {
        let pool = Self.pool(size: 1)
        defer { pool.close() }
        for value in 0..<5 {
            let result = try await pool.execute("select $1::int8 * 2", parameters: [.int8(Int64(value))])
            #expect(try result.int64(row: 0, column: 0) == Int64(value) * 2)
        }
        let count = try await pool.execute(
            "select count(*) from pg_prepared_statements where statement = $1", parameters: [.text("select $1::int8 * 2")])
        #expect(try count.int64(row: 0, column: 0) == 1)
        // NULL and a value in the same statement text prepare separately, and both work.
        #expect(try await pool.execute("select coalesce($1::int8, 7)", parameters: [.null]).int64(row: 0, column: 0) == 7)
        #expect(try await pool.execute("select coalesce($1::int8, 7)", parameters: [3]).int64(row: 0, column: 0) == 3)
    }

    @Test("binary COPY FROM STDIN of every supported type")
    func copyIn() async throws {
        let pool = Self.pool(size: 1)
        defer { pool.close() }
        let copied = try await pool.run { connection in
            try connection.execute(
                "create temp table copied (i int8, f float8, b bool, t text, y bytea, ts timestamptz, j jsonb, a float8[], n text)")
            var writer = PostgresCopyBinaryWriter()
            for row in 0..<3 {
                writer.append([
                    .int8(Int64(row)), .float8(Double(row) / 2), .bool(row == 1), .text("row \(row)"), .bytea([UInt8(row), 255]),
                    .timestamptz(1_700_000_000_000_000 + Int64(row)), .jsonb("{\"row\": \(row)}"),
                    .float8Array([Double(row), .nan]), .null,
                ])
            }
            return try connection.copyIn("copy copied from stdin (format binary)", data: writer.finished())
        }
        #expect(copied == 3)
        let result = try await pool.execute("select i, f, b, t, y, ts, j, a, n from copied order by i")
        #expect(result.rowCount == 3)
        #expect(try result.string(row: 2, column: "t") == "row 2")
        #expect(try result.bytes(row: 2, column: "y") == [2, 255])
        #expect(try result.timestampMicroseconds(row: 1, column: "ts") == 1_700_000_000_000_001)
        #expect(try result.json(row: 1, column: "j") == "{\"row\": 1}")
        #expect(try result.doubleArray(row: 2, column: "a")?.first == 2)
        #expect(try result.string(row: 0, column: "n") == nil)
        // Bad data fails the COPY with the server's error, and the connection stays usable.
        await #expect(throws: PostgresError.self) {
            try await pool.run { connection in
                try connection.copyIn("copy copied from stdin (format binary)", data: [1, 2, 3])
            }
        }
        #expect(try await pool.execute("select count(*) from copied").int64(row: 0, column: 0) == 3)
    }

    @Test("a transaction commits or rolls back whole")
    func transaction() async throws {
        let pool = Self.pool(size: 1)
        defer { pool.close() }
        _ = try await pool.run { try $0.execute("create temp table t (n int8 primary key)") }
        _ = try await pool.withTransaction { connection in
            try connection.execute("insert into t values (1), (2)")
        }
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await pool.withTransaction { connection in
                try connection.execute("insert into t values (3)")
                throw Failure()
            }
        }
        #expect(try await pool.execute("select count(*) from t").int64(row: 0, column: 0) == 2)
    }

    @Test("serialization failures (40001) are retried until the transaction commits")
    func retry() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.maximumConnections = 3
        configuration.maximumTransactionAttempts = 100
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        let table = "retry_\(UInt32.random(in: 0...UInt32.max))"
        try await pool.execute("create table \(table) (id int8 primary key, n int8 not null)")
        try await pool.execute("insert into \(table) values (1, 0)")
        // Concurrent serializable read-modify-write: lost updates must not be. Each of the 12
        // transactions commits exactly once, after at most the configured attempts.
        let attempts = Locked([Int]())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    for _ in 0..<4 {
                        let tries = Locked(0)
                        try await pool.withTransaction(isolation: .serializable) { connection in
                            tries.update { $0 += 1 }
                            let n = try connection.execute("select n from \(table) where id = 1").int64(row: 0, column: 0) ?? 0
                            try connection.execute("select pg_sleep(0.002)")
                            try connection.execute("update \(table) set n = $1 where id = 1", parameters: [.int8(n + 1)])
                        }
                        attempts.update { $0.append(tries.value) }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await pool.execute("select n from \(table)").int64(row: 0, column: 0) == 12)
        #expect(attempts.value.count == 12)
        #expect(attempts.value.allSatisfy { (1...100).contains($0) }, "\(attempts.value)")
        try await pool.execute("drop table \(table)")
    }

    @Test("two transactions that both read, then both write one row: exactly one 40001, retried once — three attempts")
    func retryExactly() async throws {
        let pool = Self.pool(size: 2)
        defer { pool.close() }
        let table = "retry2_\(UInt32.random(in: 0...UInt32.max))"
        try await pool.execute("create table \(table) (id int8 primary key, n int8 not null)")
        try await pool.execute("insert into \(table) values (1, 0)")
        // Each first attempt reads, then waits (on its connection's thread) until the other
        // has read too: both then update from the same snapshot, so one must fail.
        let read = [DispatchSemaphore(value: 0), DispatchSemaphore(value: 0)]
        let attempts = Locked([0, 0])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for me in 0..<2 {
                group.addTask {
                    try await pool.withTransaction(isolation: .repeatableRead) { connection in
                        var attempt = 0
                        attempts.update { attempt = $0[me] + 1; $0[me] = attempt }
                        let n = try connection.execute("select n from \(table) where id = 1").int64(row: 0, column: 0) ?? 0
                        if attempt == 1 {
                            read[me].signal()
                            _ = read[1 - me].wait(timeout: .now() + 10)
                        }
                        try connection.execute("update \(table) set n = $1 where id = 1", parameters: [.int8(n + 1)])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await pool.execute("select n from \(table)").int64(row: 0, column: 0) == 2)
        #expect(attempts.value.sorted() == [1, 2])
        try await pool.execute("drop table \(table)")
    }

    @Test("statement timeout cancels a long statement with 57014")
    func statementTimeout() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.statementTimeout = .milliseconds(50)
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        do {
            try await pool.execute("select pg_sleep(5)")
            Issue.record("pg_sleep(5) was not cancelled")
        } catch let error as PostgresError {
            #expect(error.code == "57014")
        }
        #expect(try await pool.execute("select 1::int8").int64(row: 0, column: 0) == 1)
    }

    @Test("cancelling the task cancels the running statement on the server: 57014, and the connection is reused")
    func taskCancellation() async throws {
        let name = "cancel_\(UInt32.random(in: 0...UInt32.max))"
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.connection.applicationName = name
        configuration.maximumConnections = 1
        configuration.statementTimeout = .seconds(120)  // so only the cancellation can end it early
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        let observer = Self.pool(size: 1)
        defer { observer.close() }
        let task = Task { try await pool.execute("select pg_backend_pid()::int8, pg_sleep(30)") }
        // Cancel only once the server runs the statement: then the only right outcome is 57014.
        var running = false
        for _ in 0..<500 where !running {
            running = try await observer.execute(
                "select count(*) from pg_stat_activity where application_name = $1 and state = 'active' and query like '%pg_sleep(30)'",
                parameters: [.text(name)]
            ).int64(row: 0, column: 0) == 1
            if !running { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(running)
        task.cancel()
        switch await task.result {
        case .success: Issue.record("pg_sleep(30) was not cancelled")
        case .failure(let error as PostgresError): #expect(error.code == "57014")
        case .failure(let error): Issue.record("expected SQLSTATE 57014, got \(error)")
        }
        #expect(try await pool.execute("select 2::int8").int64(row: 0, column: 0) == 2)
        #expect(pool.statistics.workers == 1)
    }

    @Test("an unreachable server fails fast with a connection error, and the pool recovers")
    func unreachable() async throws {
        var configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        configuration.connection.port = 1  // nothing listens there
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        for _ in 0..<3 {
            do {
                try await pool.execute("select 1")
                Issue.record("connected to port 1")
            } catch let error as PostgresError {
                #expect(error.kind == .connection)
            }
        }
        #expect(pool.statistics.consecutiveConnectFailures >= 1)
    }

    @Test("LISTEN/NOTIFY: notifications reach every subscriber")
    func notifications() async throws {
        let channel = "test_\(UInt32.random(in: 0...UInt32.max))"
        let configuration = PostgresPoolConfiguration(connection: TestDatabase.configuration)
        let listener = PostgresListener(configuration: configuration, channels: [channel])
        defer { listener.stop() }
        let first = listener.events()
        let second = listener.events()
        listener.start()
        var firstIterator = first.makeAsyncIterator()
        var secondIterator = second.makeAsyncIterator()
        #expect(await firstIterator.next() == .listening)
        #expect(await secondIterator.next() == .listening)
        let pool = Self.pool(size: 1)
        defer { pool.close() }
        for payload in ["one", "two"] {
            try await pool.execute("select pg_notify($1, $2)", parameters: [.text(channel), .text(payload)])
        }
        for iterator in [firstIterator, secondIterator] {
            var copy = iterator
            for payload in ["one", "two"] {
                guard case .notification(let notification) = await copy.next() else {
                    Issue.record("expected a notification")
                    return
                }
                #expect(notification.channel == channel)
                #expect(notification.payload == payload)
            }
        }
    }

    @Test("migrations: applied once, in one transaction, recorded")
    func migrations() async throws {
        let pool = Self.pool(size: 2)
        defer { pool.close() }
        let schema = "migtest_\(UInt32.random(in: 0...UInt32.max))"
        let migrations = [
            PostgresMigration(version: 1, name: "one", statements: ["create table a (n int8)"]),
            PostgresMigration(version: 2, name: "two", statements: ["create table b (n int8)", "insert into b values (1)"]),
        ]
        let first = try await PostgresMigrator(schema: schema, migrations: migrations).migrate(pool)
        #expect(first.applied == [1, 2])
        let second = try await PostgresMigrator(schema: schema, migrations: migrations).migrate(pool)
        #expect(second.applied.isEmpty && second.currentVersion == 2)
        // Several migrators at once on a new schema: each version is applied exactly once.
        let concurrentSchema = schema + "_c"
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await PostgresMigrator(schema: concurrentSchema, migrations: migrations).migrate(pool).applied
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(applied.sorted() == [1, 2])
        try await pool.execute("drop schema \(concurrentSchema) cascade")
        // A failing migration applies nothing, not even the good statement before it.
        let broken = migrations + [
            PostgresMigration(version: 3, name: "three", statements: ["create table c (n int8)", "select * from nowhere"])
        ]
        await #expect(throws: PostgresError.self) { try await PostgresMigrator(schema: schema, migrations: broken).migrate(pool) }
        let tables = try await pool.execute(
            "select count(*) from information_schema.tables where table_schema = $1 and table_name = 'c'",
            parameters: [.text(schema)])
        #expect(try tables.int64(row: 0, column: 0) == 0)
        try await pool.execute("drop schema \(schema) cascade")
    }
}

/// A value behind a lock, shareable by the tasks of a test.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value { storage.withLock { $0 } }

    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}
