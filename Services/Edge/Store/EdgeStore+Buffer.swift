extension EdgeStore {
    /// A sample to buffer: its idempotency key and encoded `lifelong.v1.Sample`.
    public struct NewSample: Sendable {
        /// The idempotency key (unique in the buffer; the cloud stores a key once).
        public var key: String
        /// The encoded sample.
        public var message: [UInt8]
        /// When it was observed.
        public var observedAtUs: Int64

        /// Creates a sample to buffer.
        public init(key: String, message: [UInt8], observedAtUs: Int64) {
            self.key = key
            self.message = message
            self.observedAtUs = observedAtUs
        }
    }

    /// What buffering a set of samples did.
    public struct BufferOutcome: Sendable, Hashable {
        /// Samples stored.
        public var stored = 0
        /// Samples whose key was already buffered (not stored twice).
        public var duplicates = 0
        /// New samples not stored because the buffer was full.
        public var rejected = 0
        /// Old samples deleted to make room.
        public var dropped = 0
    }

    /// Stores unseen samples within `quota`, and adds `inferred` to the inferred-samples
    /// counter, in one transaction: when this returns, the samples are durable.
    /// - Throws: ``SQLiteError``.
    @discardableResult
    public func buffer(_ samples: [NewSample], inferred: Int, quota: BufferQuota) throws -> BufferOutcome {
        try transaction { database in
            var outcome = BufferOutcome()
            var usage = try bufferUsage(database)
            let insert = try database.prepare(
                "INSERT OR IGNORE INTO unseen_samples (sample_key, message, size_bytes, observed_at_us) VALUES (?1, ?2, ?3, ?4)")
            for sample in samples {
                let size = Int64(sample.message.count)
                if usage.samples + 1 > quota.maximumSamples || usage.bytes + size > quota.maximumBytes {
                    if quota.behavior == .dropOldest {
                        let freed = try dropOldest(database, toFit: size, usage: usage, quota: quota)
                        outcome.dropped += freed.samples
                        usage.samples -= Int64(freed.samples)
                        usage.bytes -= freed.bytes
                    }
                    guard usage.samples + 1 <= quota.maximumSamples, usage.bytes + size <= quota.maximumBytes else {
                        outcome.rejected += 1
                        continue
                    }
                }
                try insert.run([.text(sample.key), .blob(sample.message), .integer(size), .integer(sample.observedAtUs)])
                if database.changes == 1 {
                    outcome.stored += 1
                    usage.samples += 1
                    usage.bytes += size
                } else {
                    outcome.duplicates += 1
                }
            }
            try add(database, [
                .samplesInferred: Int64(inferred), .unseenBuffered: Int64(outcome.stored),
                .bufferRejected: Int64(outcome.rejected), .bufferDropped: Int64(outcome.dropped),
            ])
            return outcome
        }
    }

    /// Samples and bytes in the buffer (in upload batches or not).
    /// - Throws: ``SQLiteError``.
    public func bufferUsage() throws -> (samples: Int64, bytes: Int64) {
        try read { try bufferUsage($0) }
    }

    private func bufferUsage(_ database: SQLiteDatabase) throws -> (samples: Int64, bytes: Int64) {
        try database.prepare("SELECT count(*) AS samples, coalesce(sum(size_bytes), 0) AS bytes FROM unseen_samples")
            .rows { ($0.integer("samples"), $0.integer("bytes")) }[0]
    }

    /// Deletes the oldest samples that are not in an upload batch until `size` more bytes
    /// and one more sample fit (or none is left to delete).
    private func dropOldest(
        _ database: SQLiteDatabase, toFit size: Int64, usage: (samples: Int64, bytes: Int64), quota: BufferQuota
    ) throws -> (samples: Int, bytes: Int64) {
        let oldest = try database.prepare(
            "SELECT id, size_bytes FROM unseen_samples WHERE batch_id IS NULL ORDER BY id LIMIT 64")
        let delete = try database.prepare("DELETE FROM unseen_samples WHERE id = ?1")
        var samples = 0
        var bytes: Int64 = 0
        while usage.samples - Int64(samples) + 1 > quota.maximumSamples || usage.bytes - bytes + size > quota.maximumBytes {
            let candidates = try oldest.rows { ($0.integer("id"), $0.integer("size_bytes")) }
            guard !candidates.isEmpty else { break }
            for (id, sampleBytes) in candidates {
                try delete.run([.integer(id)])
                samples += 1
                bytes += sampleBytes
                if usage.samples - Int64(samples) + 1 <= quota.maximumSamples && usage.bytes - bytes + size <= quota.maximumBytes {
                    break
                }
            }
        }
        return (samples, bytes)
    }
}
