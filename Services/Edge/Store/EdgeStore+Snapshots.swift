extension EdgeStore {
    /// A snapshot as stored: its message and the bytes of the models it references.
    public struct StoredSnapshot: Sendable {
        /// The snapshot's version.
        public var version: Int64
        /// The job it belongs to.
        public var jobId: String
        /// The encoded `lifelong.v1.TaskIndexSnapshot`.
        public var message: [UInt8]
        /// When it was installed here.
        public var installedAtUs: Int64
    }

    /// Which stored snapshot.
    public enum Slot: String, Sendable {
        /// The one served.
        case current
        /// The one served before (kept for rollback).
        case previous
    }

    /// The snapshot in `slot`, if any.
    /// - Throws: ``SQLiteError``.
    public func snapshot(_ slot: Slot = .current) throws -> StoredSnapshot? {
        try read { database in
            try database.prepare("SELECT version, job_id, message, installed_at_us FROM snapshots WHERE slot = ?1")
                .rows([.text(slot.rawValue)], StoredSnapshot.init(row:)).first
        }
    }

    /// Makes `snapshot` current and the current one previous, in one transaction; models no
    /// longer referenced by either are deleted.
    /// - Parameters:
    ///   - snapshot: The snapshot to serve.
    ///   - referencedModels: Digests of every model either kept snapshot references.
    /// - Throws: ``SQLiteError``.
    public func install(_ snapshot: StoredSnapshot, keepingModels referencedModels: Set<String>) throws {
        try transaction { database in
            try database.execute("DELETE FROM snapshots WHERE slot = 'previous'")
            try database.execute("UPDATE snapshots SET slot = 'previous' WHERE slot = 'current'")
            try Self.insert(snapshot, into: .current, database)
            let existing = try database.prepare("SELECT sha256 FROM models").rows { $0.text("sha256") }
            let delete = try database.prepare("DELETE FROM models WHERE sha256 = ?1")
            for digest in existing where !referencedModels.contains(digest) { try delete.run([.text(digest)]) }
        }
    }

    /// Swaps the current and the previous snapshot in one transaction, and records the
    /// version rolled back from as refused (`Setting.refusedVersion`), so the sync does not
    /// pull it again. Models are kept: both snapshots still reference theirs.
    /// - Parameter expected: The version that must be current now.
    /// - Returns: The snapshot now current (the former previous one), nil when the store holds
    ///   no previous snapshot or `expected` is not current (nothing changes then).
    /// - Throws: ``SQLiteError``.
    public func rollback(expecting expected: Int64) throws -> StoredSnapshot? {
        try transaction { database in
            let stored = try database.prepare("SELECT slot, version, job_id, message, installed_at_us FROM snapshots").rows { row in
                (slot: row.text("slot"), snapshot: try StoredSnapshot(row: row))
            }
            guard let current = stored.first(where: { $0.slot == Slot.current.rawValue })?.snapshot, current.version == expected,
                  let previous = stored.first(where: { $0.slot == Slot.previous.rawValue })?.snapshot
            else { return nil }
            // The slot is the primary key, checked row by row: the swap is a delete and two inserts.
            try database.execute("DELETE FROM snapshots")
            try Self.insert(previous, into: .current, database)
            try Self.insert(current, into: .previous, database)
            let refused = max(current.version, try Self.refusedVersion(database))
            try Self.set(database, .refusedVersion, to: Array(String(refused).utf8))
            return previous
        }
    }

    /// Writes `snapshot` into `slot` (which must be empty).
    private static func insert(_ snapshot: StoredSnapshot, into slot: Slot, _ database: SQLiteDatabase) throws {
        try database.prepare(
            "INSERT INTO snapshots (slot, version, job_id, message, installed_at_us) VALUES (?1, ?2, ?3, ?4, ?5)"
        ).run([
            .text(slot.rawValue), .integer(snapshot.version), .text(snapshot.jobId), .blob(snapshot.message),
            .integer(snapshot.installedAtUs),
        ])
    }

    /// Stores a model's bytes under its content address (once: storing it again does nothing).
    /// The caller has verified that `bytes` hash to `digest`.
    /// - Throws: ``SQLiteError``.
    public func putModel(digest: String, bytes: [UInt8]) throws {
        try transaction { database in
            try database.prepare("INSERT OR IGNORE INTO models (sha256, bytes) VALUES (?1, ?2)").run([.text(digest), .blob(bytes)])
        }
    }

    /// The digests of every stored model.
    /// - Throws: ``SQLiteError``.
    public func modelDigests() throws -> Set<String> {
        try read { database in Set(try database.prepare("SELECT sha256 FROM models").rows { $0.text("sha256") }) }
    }

    /// The bytes of the models with these digests (absent ones are left out).
    /// - Throws: ``SQLiteError``.
    public func models(_ digests: Set<String>) throws -> [String: [UInt8]] {
        try read { database in
            let select = try database.prepare("SELECT sha256, bytes FROM models WHERE sha256 = ?1")
            var result: [String: [UInt8]] = [:]
            for digest in digests {
                for bytes in try select.rows([.text(digest)], { $0.blob("bytes") }) { result[digest] = bytes }
            }
            return result
        }
    }
}

extension EdgeStore.StoredSnapshot {
    /// The snapshot of a `snapshots` row (columns version, job_id, message, installed_at_us).
    init(row: SQLiteStatement) throws {
        self.init(
            version: row.integer("version"), jobId: row.text("job_id"), message: row.blob("message"),
            installedAtUs: row.integer("installed_at_us"))
    }
}
