extension EdgeStore {
    /// A batch of buffered samples on its way to the cloud. Its samples and key stay the same
    /// on every attempt (across restarts too), so a retried upload is deduplicated by the cloud.
    public struct UploadBatch: Sendable {
        /// The batch's row id.
        public var id: Int64
        /// Its idempotency key.
        public var key: String
        /// Attempts made so far.
        public var attempts: Int64
        /// Its samples: key and encoded `lifelong.v1.Sample`, oldest first.
        public var samples: [(key: String, message: [UInt8])]
    }

    /// One audit record: what left the node, under which policy, with what outcome.
    public struct AuditRecord: Sendable, Hashable {
        /// When.
        public var atUs: Int64
        /// The batch's idempotency key.
        public var batchKey: String
        /// Samples sent.
        public var samples: Int64
        /// Bytes of samples sent (encoded, after redaction).
        public var bytes: Int64
        /// The policy applied: mode and redacted columns.
        public var policy: String
        /// The keys of the samples sent.
        public var sampleKeys: [String]
        /// What the cloud answered.
        public var outcome: String

        /// Creates a record.
        public init(
            atUs: Int64, batchKey: String, samples: Int64, bytes: Int64, policy: String, sampleKeys: [String], outcome: String
        ) {
            self.atUs = atUs
            self.batchKey = batchKey
            self.samples = samples
            self.bytes = bytes
            self.policy = policy
            self.sampleKeys = sampleKeys
            self.outcome = outcome
        }
    }

    /// The batch to send next: the oldest open batch when one is due, otherwise a new one of
    /// at most `limit` unbatched samples (oldest first) under a key made by `makeKey`.
    /// - Parameters:
    ///   - limit: Most samples a new batch may take (0: form none).
    ///   - nowUs: The time, to tell whether an open batch is due.
    ///   - makeKey: The new batch's idempotency key from its row id.
    /// - Returns: The batch, or nil when nothing is due or allowed.
    /// - Throws: ``SQLiteError``.
    public func nextBatch(limit: Int, nowUs: Int64, makeKey: (Int64) -> String) throws -> UploadBatch? {
        try transaction { database in
            let open = try database.prepare(
                "SELECT id, batch_key, attempts, next_attempt_us FROM upload_batches ORDER BY id LIMIT 1"
            ).rows { ($0.integer("id"), $0.text("batch_key"), $0.integer("attempts"), $0.integer("next_attempt_us")) }.first
            if let (id, key, attempts, due) = open {
                guard due <= nowUs else { return nil }
                return UploadBatch(id: id, key: key, attempts: attempts, samples: try samples(database, batch: id))
            }
            guard limit > 0 else { return nil }
            let waiting = try database.prepare("SELECT count(*) AS n FROM unseen_samples WHERE batch_id IS NULL").rows { $0.integer("n") }[0]
            guard waiting > 0 else { return nil }
            try database.prepare("INSERT INTO upload_batches (batch_key, created_at_us) VALUES (?1, ?2)")
                .run([.text("pending-\(nowUs)"), .integer(nowUs)])
            let id = database.lastInsertedRowID
            let key = makeKey(id)
            try database.prepare("UPDATE upload_batches SET batch_key = ?1 WHERE id = ?2").run([.text(key), .integer(id)])
            try database.prepare(
                "UPDATE unseen_samples SET batch_id = ?1 WHERE id IN (SELECT id FROM unseen_samples WHERE batch_id IS NULL ORDER BY id LIMIT ?2)"
            ).run([.integer(id), .integer(Int64(limit))])
            return UploadBatch(id: id, key: key, attempts: 0, samples: try samples(database, batch: id))
        }
    }

    private func samples(_ database: SQLiteDatabase, batch: Int64) throws -> [(key: String, message: [UInt8])] {
        try database.prepare("SELECT sample_key, message FROM unseen_samples WHERE batch_id = ?1 ORDER BY id")
            .rows([.integer(batch)]) { (key: $0.text("sample_key"), message: $0.blob("message")) }
    }

    /// Records a failed attempt: the batch is retried from `nextAttemptUs` on.
    /// - Throws: ``SQLiteError``.
    public func recordFailure(of batch: UploadBatch, error: String, nextAttemptUs: Int64) throws {
        try transaction { database in
            try database.prepare("UPDATE upload_batches SET attempts = attempts + 1, next_attempt_us = ?2, last_error = ?3 WHERE id = ?1")
                .run([.integer(batch.id), .integer(nextAttemptUs), .text(error)])
        }
    }

    /// The cloud acknowledged `batch`: its samples and the batch are deleted, the uploaded
    /// counter grows and `audit` is recorded, in one transaction.
    /// - Throws: ``SQLiteError``.
    public func acknowledge(_ batch: UploadBatch, audit: AuditRecord) throws {
        try transaction { database in
            try database.prepare("DELETE FROM unseen_samples WHERE batch_id = ?1").run([.integer(batch.id)])
            try database.prepare("DELETE FROM upload_batches WHERE id = ?1").run([.integer(batch.id)])
            try add(database, [.samplesUploaded: Int64(batch.samples.count)])
            try database.prepare(
                "INSERT INTO audit_log (at_us, batch_key, samples, bytes, policy, sample_keys, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            ).run([
                .integer(audit.atUs), .text(audit.batchKey), .integer(audit.samples), .integer(audit.bytes), .text(audit.policy),
                .text(audit.sampleKeys.joined(separator: "\n")), .text(audit.outcome),
            ])
        }
    }

    /// Samples waiting in upload batches that were formed but not acknowledged.
    /// - Throws: ``SQLiteError``.
    public func samplesInFlight() throws -> Int64 {
        try read { database in
            try database.prepare("SELECT count(*) AS n FROM unseen_samples WHERE batch_id IS NOT NULL").rows { $0.integer("n") }[0]
        }
    }

    /// The audit log, oldest first.
    /// - Throws: ``SQLiteError``.
    public func auditLog() throws -> [AuditRecord] {
        try read { database in
            try database.prepare("SELECT at_us, batch_key, samples, bytes, policy, sample_keys, outcome FROM audit_log ORDER BY id").rows { row in
                AuditRecord(
                    atUs: row.integer("at_us"), batchKey: row.text("batch_key"), samples: row.integer("samples"),
                    bytes: row.integer("bytes"), policy: row.text("policy"),
                    sampleKeys: row.text("sample_keys").split(separator: "\n").map(String.init), outcome: row.text("outcome"))
            }
        }
    }
}
