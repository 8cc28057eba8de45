extension EdgeStore {
    /// A durable counter of the node.
    public enum Counter: String, Sendable, CaseIterable {
        /// Samples answered (flushed with each unseen commit and by the sync loop).
        case samplesInferred = "samples_inferred"
        /// Samples the cloud acknowledged.
        case samplesUploaded = "samples_uploaded"
        /// Unseen samples stored in the buffer.
        case unseenBuffered = "unseen_buffered"
        /// Unseen samples not stored because the buffer was full (reject-new, or nothing left to drop).
        case bufferRejected = "buffer_rejected"
        /// Buffered samples deleted to make room (drop-oldest).
        case bufferDropped = "buffer_dropped"
    }

    /// Every counter's value (0 when never counted).
    /// - Throws: ``SQLiteError``.
    public func counters() throws -> [Counter: Int64] {
        try read { database in
            var values = Dictionary(uniqueKeysWithValues: Counter.allCases.map { ($0, Int64(0)) })
            let rows = try database.prepare("SELECT name, value FROM counters").rows { row in (row.text("name"), row.integer("value")) }
            for (name, value) in rows {
                if let counter = Counter(rawValue: name) { values[counter] = value }
            }
            return values
        }
    }

    /// Adds to counters, in one transaction.
    /// - Throws: ``SQLiteError``.
    public func add(_ increments: [Counter: Int64]) throws {
        try transaction { try add($0, increments) }
    }

    func add(_ database: SQLiteDatabase, _ increments: [Counter: Int64]) throws {
        let upsert = try database.prepare(
            "INSERT INTO counters (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = value + ?2")
        for (counter, increment) in increments where increment != 0 {
            try upsert.run([.text(counter.rawValue), .integer(increment)])
        }
    }

    /// A stored setting (the egress policy, the last sync time, …).
    public enum Setting: String, Sendable {
        /// The encoded `lifelong.v1.EgressPolicy` in force.
        case egressPolicy = "egress_policy"
        /// Last successful contact with the cloud, microseconds as decimal text.
        case lastSyncUs = "last_sync_us"
        /// The newest version a rollback refused, decimal text: the sync pulls only newer ones.
        case refusedVersion = "refused_version"
    }

    /// The value of `setting`, nil when never set.
    /// - Throws: ``SQLiteError``.
    public func setting(_ setting: Setting) throws -> [UInt8]? {
        try read { database in
            try database.prepare("SELECT value FROM settings WHERE name = ?1").rows([.text(setting.rawValue)]) { $0.blob("value") }.first
        }
    }

    /// Sets (or, with nil, clears) `setting`.
    /// - Throws: ``SQLiteError``.
    public func set(_ setting: Setting, to value: [UInt8]?) throws {
        try transaction { database in try Self.set(database, setting, to: value) }
    }

    static func set(_ database: SQLiteDatabase, _ setting: Setting, to value: [UInt8]?) throws {
        if let value {
            try database.prepare(
                "INSERT INTO settings (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = ?2"
            ).run([.text(setting.rawValue), .blob(value)])
        } else {
            try database.prepare("DELETE FROM settings WHERE name = ?1").run([.text(setting.rawValue)])
        }
    }

    /// The newest version a rollback refused (0 = none).
    /// - Throws: ``SQLiteError``.
    public func refusedVersion() throws -> Int64 {
        try read { try Self.refusedVersion($0) }
    }

    static func refusedVersion(_ database: SQLiteDatabase) throws -> Int64 {
        let value = try database.prepare("SELECT value FROM settings WHERE name = ?1")
            .rows([.text(Setting.refusedVersion.rawValue)]) { $0.blob("value") }.first
        return value.flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
    }
}

extension EdgeStore {
    /// SQLite's journal mode for this database (`wal`).
    /// - Throws: ``SQLiteError``.
    public func journalMode() throws -> String {
        try read { database in try database.prepare("PRAGMA journal_mode").rows { $0.text("journal_mode") }[0] }
    }
}
