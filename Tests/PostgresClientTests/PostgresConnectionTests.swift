import PostgresClient
import Testing

/// Against a real server (see ``TestDatabase``); every test uses its own connection and only
/// temporary tables, so the tests run in parallel and leave nothing behind.
@Suite("PostgresConnection against a real PostgreSQL")
struct PostgresConnectionTests {
    @Test("connect and select 1::int8")
    func selectOne() throws {
        let connection = try TestDatabase.connect()
        #expect(connection.isOpen)
        #expect(connection.serverVersion >= 100_000)
        let result = try connection.execute("select 1::int8 as one")
        #expect(result.rowCount == 1)
        #expect(result.columnNames == ["one"])
        #expect(result.columns[0].dataType == .int8)
        #expect(try result.int64(row: 0, column: 0) == 1)
        #expect(try result.int64(row: 0, column: "one") == 1)
        #expect(result.commandTag == "SELECT 1")
        #expect(result.affectedRows == 1)
    }

    @Test("integers of every width, with binary parameters")
    func integers() throws {
        let connection = try TestDatabase.connect()
        let result = try connection.execute(
            "select $1::int8 as big, $2::int8::int4 as mid, (-7)::int2 as small, $1::int8 + 1 as next",
            parameters: [.int8(Int64.max - 1), .int8(Int64(Int32.min))])
        #expect(try result.int64(row: 0, column: "big") == Int64.max - 1)
        #expect(try result.int64(row: 0, column: "mid") == Int64(Int32.min))
        #expect(try result.int64(row: 0, column: "small") == -7)
        #expect(try result.int64(row: 0, column: "next") == Int64.max)
        #expect(try result.values(row: 0) == [.int8(Int64.max - 1), .int8(Int64(Int32.min)), .int8(-7), .int8(Int64.max)])
    }

    @Test("bytea round trip of all 256 byte values")
    func byteaEveryByte() throws {
        let connection = try TestDatabase.connect()
        let bytes = (0...255).map { UInt8($0) }
        try roundTrip(bytes, on: connection)
    }

    @Test("bytea round trip of 1 MiB of random bytes")
    func byteaOneMebibyte() throws {
        let connection = try TestDatabase.connect()
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 20)
        for _ in 0..<(1 << 17) {
            let word = generator.next() as UInt64
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        try roundTrip(bytes, on: connection)
    }

    @Test("empty bytea and empty text are not NULL")
    func emptyValues() throws {
        let connection = try TestDatabase.connect()
        let result = try connection.execute(
            "select $1::bytea as b, $2::text as t, $1 is null as b_null, $2 is null as t_null",
            parameters: [.bytea([]), .text("")])
        #expect(try result.bytes(row: 0, column: "b") == [])
        #expect(try result.string(row: 0, column: "t") == "")
        #expect(try result.bool(row: 0, column: "b_null") == false)
        #expect(try result.bool(row: 0, column: "t_null") == false)
    }

    @Test("text with non-ASCII characters", arguments: ["grüße", "日本語テキスト", "emoji 🧠🔁", "quote ' and \\ backslash"])
    func nonASCIIText(_ text: String) throws {
        let connection = try TestDatabase.connect()
        try connection.execute("create temp table notes (id int8 primary key, body text not null, label varchar(40))")
        try connection.execute("insert into notes values ($1, $2, $2)", parameters: [1, .text(text)])
        let result = try connection.execute(
            "select body, label, length(body) as characters, octet_length(body) as bytes from notes where id = $1",
            parameters: [1])
        #expect(try result.string(row: 0, column: "body") == text)
        #expect(result.columns[1].dataType == .varchar)
        #expect(try result.string(row: 0, column: "label") == text)
        #expect(try result.int64(row: 0, column: "characters") == Int64(text.unicodeScalars.count))
        #expect(try result.int64(row: 0, column: "bytes") == Int64(text.utf8.count))
    }

    @Test("float8 NaN, infinities, signed zero and float4", arguments: [Double.nan, .infinity, -.infinity, -0.0, 1e-308, .pi])
    func floats(_ value: Double) throws {
        let connection = try TestDatabase.connect()
        let result = try connection.execute("select $1::float8 as d, 'NaN'::float4 as f", parameters: [.float8(value)])
        let decoded = try #require(try result.double(row: 0, column: "d"))
        #expect(decoded.bitPattern == value.bitPattern || (decoded.isNaN && value.isNaN))
        #expect(try result.double(row: 0, column: "f")?.isNaN == true)
    }

    @Test("bool and NULL handling")
    func nulls() throws {
        let connection = try TestDatabase.connect()
        let result = try connection.execute(
            "select $1::int8 as n, $1 is null as was_null, null::text as t, null::bytea as b, $2::bool as yes",
            parameters: [nil, true])
        #expect(result.isNull(row: 0, column: 0))
        #expect(try result.int64(row: 0, column: "n") == nil)
        #expect(try result.bool(row: 0, column: "was_null") == true)
        #expect(try result.string(row: 0, column: "t") == nil)
        #expect(try result.bytes(row: 0, column: "b") == nil)
        #expect(try result.value(row: 0, column: "t") == .null)
        #expect(try result.bool(row: 0, column: "yes") == true)
    }

    @Test("many rows and statements without rows")
    func manyRows() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("create temp table numbers (n int8 not null)")
        let insert = try connection.execute("insert into numbers select generate_series(1, $1::int8)", parameters: [1000])
        #expect(insert.affectedRows == 1000)
        #expect(insert.rowCount == 0)
        let result = try connection.execute("select n from numbers order by n")
        #expect(result.rowCount == 1000)
        let sum = try (0..<result.rowCount).reduce(Int64(0)) { $0 + (try result.int64(row: $1, column: 0) ?? 0) }
        #expect(sum == 500_500)
        let delete = try connection.execute("delete from numbers where n > 10")
        #expect(delete.affectedRows == 990)
        #expect(delete.commandTag == "DELETE 990")
    }

    @Test(
        "SQL errors carry the SQLSTATE and leave the connection usable",
        arguments: [
            ("select * from lifelong_no_such_table", "42P01"),
            ("selec 1", "42601"),
            ("select 1 / 0", "22012"),
            ("select 'x'::int8", "22P02"),
        ])
    func sqlErrors(_ sql: String, _ sqlState: String) throws {
        let connection = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) { try connection.execute(sql) }
        #expect(error?.kind == .query)
        #expect(error?.code == sqlState)
        #expect(error?.message.isEmpty == false)
        #expect(try connection.execute("select 2::int8").int64(row: 0, column: 0) == 2)
    }

    @Test("a unique violation reports 23505 with the server's detail")
    func uniqueViolation() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("create temp table keys (k text primary key)")
        try connection.execute("insert into keys values ($1)", parameters: ["a"])
        let error = #expect(throws: PostgresError.self) {
            try connection.execute("insert into keys values ($1)", parameters: ["a"])
        }
        #expect(error?.code == "23505")
        #expect(error?.detail?.contains("(k)=(a)") == true)
    }

    @Test("decoding errors name the column and its OID")
    func decodingErrors() throws {
        let connection = try TestDatabase.connect()
        let result = try connection.execute("select 1::int4 as small, 1.5::numeric as exact")
        let wrongType = #expect(throws: PostgresError.self) { try result.string(row: 0, column: "small") }
        #expect(wrongType?.kind == .decoding)
        #expect(wrongType?.message.contains("'small'") == true)
        #expect(wrongType?.message.contains("oid 23") == true)
        let unsupported = #expect(throws: PostgresError.self) { try result.value(row: 0, column: 1) }
        #expect(unsupported?.message.contains("'exact'") == true)
        #expect(unsupported?.message.contains("oid 1700") == true)
        let missing = #expect(throws: PostgresError.self) { try result.int64(row: 0, column: "nope") }
        #expect(missing?.message.contains("'nope'") == true)
    }

    @Test("a URL built from the test configuration connects")
    func connectByURL() throws {
        let base = TestDatabase.configuration
        var url = "postgresql://\(base.user)"
        if let password = base.password { url += ":\(password)" }
        url += "@\(base.host):\(base.port)/\(base.database ?? "")?application_name=url%20test"
        let configuration = try PostgresConfiguration(url: url)
        _ = try TestDatabase.connect()  // fails with the clear message when no server runs
        let connection = try PostgresConnection.connect(configuration)
        let result = try connection.execute("select current_setting('application_name') as name")
        #expect(try result.string(row: 0, column: "name") == "url test")
    }

    @Test("an unreachable server is a connection error with SQLSTATE 08001")
    func unreachable() throws {
        let configuration = PostgresConfiguration(host: "127.0.0.1", port: 1, connectTimeout: .seconds(2))
        let error = #expect(throws: PostgresError.self) { try PostgresConnection.connect(configuration) }
        #expect(error?.kind == .connection)
        #expect(error?.code == "08001")
        #expect(error?.message.contains("127.0.0.1:1") == true)
    }

    @Test("a closed connection refuses statements")
    func closed() throws {
        let connection = try TestDatabase.connect()
        connection.close()
        connection.close()
        #expect(!connection.isOpen)
        let error = #expect(throws: PostgresError.self) { try connection.execute("select 1") }
        #expect(error?.kind == .connection)
    }

    @Test("COPY is refused and the connection stays usable")
    func copyRefused() throws {
        let connection = try TestDatabase.connect()
        try connection.execute("create temp table sink (x int8)")
        #expect(throws: PostgresError.self) { try connection.execute("copy sink from stdin") }
        #expect(throws: PostgresError.self) { try connection.execute("copy (select 1) to stdout") }
        #expect(try connection.execute("select 3::int8").int64(row: 0, column: 0) == 3)
    }

    private func roundTrip(_ bytes: [UInt8], on connection: PostgresConnection) throws {
        try connection.execute("create temp table blobs (id int8 primary key, data bytea not null)")
        try connection.execute("insert into blobs (id, data) values ($1, $2)", parameters: [1, .bytea(bytes)])
        let result = try connection.execute(
            "select data, length(data) as size, md5(data) = md5($2) as same from blobs where id = $1",
            parameters: [1, .bytea(bytes)])
        #expect(result.rowCount == 1)
        #expect(try result.int64(row: 0, column: "size") == Int64(bytes.count))
        #expect(try result.bool(row: 0, column: "same") == true)
        let back = try #require(try result.bytes(row: 0, column: "data"))
        #expect(back == bytes)
    }
}
