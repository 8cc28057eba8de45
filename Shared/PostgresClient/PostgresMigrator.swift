/// One versioned step of a database schema: statements run once, in order, in the
/// migration transaction.
public struct PostgresMigration: Sendable, Hashable {
    /// The version; migrations run in ascending order, each exactly once.
    public var version: Int
    /// A short name, recorded with the version.
    public var name: String
    /// The statements, one per element (the extended protocol takes one at a time).
    public var statements: [String]

    /// Creates a migration.
    /// - Parameters:
    ///   - version: Its version, unique and positive.
    ///   - name: A short name.
    ///   - statements: Its SQL statements.
    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// A stable fingerprint of the statements (FNV-1a, 64 bits), recorded so that a
    /// migration edited after it was applied is noticed.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for statement in statements {
            for byte in statement.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Brings a database schema to the newest version: applies the migrations not yet recorded
/// in `<schema>.schema_migrations`, all in one transaction, under a transaction-scoped
/// advisory lock on the schema's name, so two processes starting at once apply each migration
/// once and a failure applies none.
public struct PostgresMigrator: Sendable {
    /// The schema the migrations build; created if missing, and set as `search_path` for
    /// the migration transaction.
    public var schema: String
    /// Every migration, in any order.
    public var migrations: [PostgresMigration]

    /// Creates a migrator.
    /// - Parameters:
    ///   - schema: The schema (an identifier: letters, digits, underscores).
    ///   - migrations: Every migration.
    public init(schema: String, migrations: [PostgresMigration]) {
        self.schema = schema
        self.migrations = migrations
    }

    /// What ``migrate(_:)`` did.
    public struct Outcome: Sendable, Hashable {
        /// Versions applied now, ascending.
        public var applied: [Int]
        /// The schema's version afterwards.
        public var currentVersion: Int
    }

    /// Applies the missing migrations on a connection of `pool`.
    /// - Parameter pool: The pool.
    /// - Returns: The versions applied and the version reached.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/configuration`` when the schema
    ///   name is not a plain identifier, migration versions repeat, or a recorded migration's
    ///   checksum differs from its definition; of kind ``PostgresError/Kind/query`` when a
    ///   statement fails (nothing is applied then).
    public func migrate(_ pool: PostgresPool) async throws -> Outcome {
        let migrator = self
        return try await pool.withTransaction { connection in try migrator.migrate(on: connection) }
    }

    /// Applies the missing migrations inside a transaction the caller has opened.
    /// - Parameter connection: The connection, inside a transaction.
    /// - Returns: The versions applied and the version reached.
    /// - Throws: As ``migrate(_:)``.
    public func migrate(on connection: PostgresConnection) throws -> Outcome {
        guard Self.isPlainIdentifier(schema) else {
            throw PostgresError.configuration("schema name '\(schema)' must be a lowercase identifier (a-z, 0-9, _)")
        }
        let sorted = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PostgresError.configuration("two migrations have version \(next.version)")
        }
        // Two processes starting at once: the second waits here until the first commits
        // (CREATE … IF NOT EXISTS alone races on the catalog's unique indexes).
        try connection.execute(
            "select pg_advisory_xact_lock(hashtext($1)::int8)", parameters: [.text("lifelong.migrate.\(schema)")])
        try connection.execute("create schema if not exists \(schema)")
        try connection.execute("select set_config('search_path', $1, true)", parameters: [.text(schema)])
        try connection.execute(
            """
            create table if not exists \(schema).schema_migrations (
                version int8 primary key,
                name text not null,
                checksum text not null,
                applied_at timestamptz not null default now())
            """)
        try connection.execute("lock table \(schema).schema_migrations in exclusive mode")
        let recorded = try connection.execute("select version, name, checksum from \(schema).schema_migrations")
        var applied: [Int: String] = [:]
        for row in 0..<recorded.rowCount {
            let version = Int(try recorded.int64(row: row, column: 0) ?? 0)
            applied[version] = try recorded.string(row: row, column: 2) ?? ""
        }
        var appliedNow: [Int] = []
        for migration in sorted {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw PostgresError.configuration(
                        "migration \(migration.version) (\(migration.name)) was changed after it was applied to schema \(schema)")
                }
                continue
            }
            for statement in migration.statements { try connection.execute(statement) }
            try connection.execute(
                "insert into \(schema).schema_migrations (version, name, checksum) values ($1, $2, $3)",
                parameters: [.int8(Int64(migration.version)), .text(migration.name), .text(migration.checksum)])
            appliedNow.append(migration.version)
        }
        let current = max(applied.keys.max() ?? 0, appliedNow.max() ?? 0)
        return Outcome(applied: appliedNow, currentVersion: current)
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), name.utf8.count <= 63
        else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
    }
}
