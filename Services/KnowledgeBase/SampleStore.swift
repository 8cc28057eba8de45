import LifelongProto
import PostgresClient
import RPCCore

/// Samples: added in batches, idempotent by `(job_id, key)`; listed by filter in `sequence`
/// order with a resumable cursor; labelled after the fact.
struct SampleStore: Sendable {
    let pool: PostgresPool
    let limits: KnowledgeBaseConfiguration.Limits

    // MARK: Add

    /// Stores every batch of the stream, each in one statement per job; samples whose key
    /// is already stored are counted as duplicates and left as they are.
    ///
    /// Each batch is committed when it is stored: a stream that fails half-way keeps the
    /// batches before, and sending them again is harmless (the keys make it idempotent).
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT naming the sample and field (the
    ///   batch with the bad sample stores nothing), RESOURCE_EXHAUSTED, UNAVAILABLE.
    func add(_ batches: RPCAsyncSequence<Lifelong_V1_SampleBatch>) async throws -> Lifelong_V1_AddSamplesResponse {
        var response = Lifelong_V1_AddSamplesResponse()
        var featureCounts: [String: Int] = [:]
        var batchIndex = 0
        // One batch is written while the next is received and checked: the database and
        // this process work at the same time. Batches are still stored in order.
        var pending: Task<(Int64, Int64), any Error>?
        do {
            for try await batch in batches {
                let writes = try await prepare(batch, index: batchIndex, featureCounts: &featureCounts)
                if let pending {
                    let (inserted, duplicates) = try await pending.value
                    response.inserted += inserted
                    response.duplicates += duplicates
                }
                let store = self
                let total = Int64(batch.samples.count)
                pending = Task {
                    var inserted: Int64 = 0
                    for write in writes { inserted += try await store.insert(write) }
                    return (inserted, total - inserted)
                }
                batchIndex += 1
            }
            if let pending {
                let (inserted, duplicates) = try await pending.value
                response.inserted += inserted
                response.duplicates += duplicates
            }
        } catch {
            // Let a write in flight finish (or fail) before the call ends.
            _ = try? await pending?.value
            throw error
        }
        await refreshStatistics(inserted: response.inserted)
        return response
    }

    /// Fewest samples one AddSamples call must store before ``refreshStatistics(inserted:)`` looks.
    static let statisticsRefreshRows: Int64 = 1_000

    /// ANALYZEs the samples table after a call that stored at least
    /// ``statisticsRefreshRows`` samples and more than a tenth of the rows PostgreSQL's
    /// statistics know of (or the table was never analyzed). Without statistics, a job's
    /// ListSamples pages right after a bulk ingest are planned as a scan and sort of every
    /// remaining sample per page (100 ms a page at 100,000 samples instead of 3 ms) until
    /// autovacuum next looks, up to a minute later. Best effort: the samples are committed
    /// already, so a failure here does not fail the call.
    private func refreshStatistics(inserted: Int64) async {
        guard inserted >= Self.statisticsRefreshRows else { return }
        _ = try? await pool.run { connection in
            let known = try connection.executePrepared("select reltuples::float8 from pg_class where oid = 'samples'::regclass")
                .double(row: 0, column: 0) ?? -1
            if known < 0 || Double(inserted) > known / 10 { try connection.execute("analyze samples") }
        }
    }

    /// One job's samples of a batch, encoded as binary COPY input.
    struct Write: Sendable {
        var copyData: [UInt8]
    }

    /// Checks a batch and encodes its rows, one ``Write`` per job.
    private func prepare(
        _ batch: Lifelong_V1_SampleBatch, index batchIndex: Int, featureCounts: inout [String: Int]
    ) async throws -> [Write] {
        guard batch.samples.count <= limits.maximumSamplesPerBatch else {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "batch \(batchIndex) has \(batch.samples.count) samples; the limit is \(limits.maximumSamplesPerBatch) per batch")
        }
        guard !batch.samples.isEmpty else { return [] }

        // Group by job, keeping order; check every sample before writing any.
        var jobs: [String: [Int]] = [:]
        var jobOrder: [String] = []
        for (index, sample) in batch.samples.enumerated() {
            let field = "batch \(batchIndex) samples[\(index)]"
            try Validation.identifier(sample.jobId, field: "\(field).job_id", limits: limits)
            try Validation.identifier(sample.key, field: "\(field).key", limits: limits)
            try Validation.optionalIdentifier(sample.taskName, field: "\(field).task_name", limits: limits)
            try Validation.optionalIdentifier(sample.edgeNode, field: "\(field).edge_node", limits: limits)
            switch sample.kind {
            case .train, .eval, .unseen, .labelled: break
            default:
                throw KnowledgeBaseError.invalid(
                    "\(field).kind must be TRAIN, EVAL, UNSEEN or LABELLED, got \(sample.kind.rawValue)")
            }
            guard sample.features.count <= limits.maximumFeaturesPerSample else {
                throw KnowledgeBaseError(
                    .resourceExhausted,
                    "\(field).features has \(sample.features.count) values; the limit is \(limits.maximumFeaturesPerSample)")
            }
            if jobs[sample.jobId] == nil { jobOrder.append(sample.jobId) }
            jobs[sample.jobId, default: []].append(index)
        }

        var writes: [Write] = []
        for jobID in jobOrder {
            let indices = jobs[jobID]!
            let expected: Int
            if let known = featureCounts[jobID] {
                expected = known
            } else {
                expected = try await featureCount(jobID: jobID, proposed: batch.samples[indices[0]].features.count)
                featureCounts[jobID] = expected
            }
            for index in indices where batch.samples[index].features.count != expected {
                throw KnowledgeBaseError.invalid(
                    "batch \(batchIndex) samples[\(index)].features has \(batch.samples[index].features.count) values; expected \(expected) (the feature count of job '\(jobID)')"
                )
            }
            writes.append(
                try encode(batch.samples, indices: indices, jobID: jobID, featureCount: expected, batchIndex: batchIndex))
        }
        return writes
    }

    /// The job's feature count; the first samples of a job without one set it.
    private func featureCount(jobID: String, proposed: Int) async throws -> Int {
        let result = try await pool.execute(
            """
            insert into jobs as j (job_id, feature_count) values ($1, $2::int8::int4)
            on conflict (job_id) do update set feature_count = coalesce(j.feature_count, excluded.feature_count)
                where j.feature_count is null
            returning feature_count
            """,
            parameters: [.text(jobID), .int8(Int64(proposed))])
        if result.rowCount == 1, let count = try result.int64(row: 0, column: 0) { return Int(count) }
        let existing = try await pool.execute("select feature_count from jobs where job_id = $1", parameters: [.text(jobID)])
        return Int(try existing.int64(row: 0, column: 0) ?? Int64(proposed))
    }

    private func encode(
        _ samples: [Lifelong_V1_Sample], indices: [Int], jobID: String, featureCount: Int, batchIndex: Int
    ) throws -> Write {
        var writer = PostgresCopyBinaryWriter(reservingCapacity: indices.count * (featureCount * 12 + 160))
        for index in indices {
            let sample = samples[index]
            let label = sample.label ?? Lifelong_V1_Label()
            writer.append([
                .text(jobID), .text(sample.key), .text(sample.taskName), .int8(Int64(sample.kind.rawValue)),
                .float8Array(sample.features),
                .jsonb(try AttributeJSON.encode(sample.attributes, field: "batch \(batchIndex) samples[\(index)].attributes")),
                .bool(label.present), .int8(Int64(label.classIndex)), .float8(label.value), .text(sample.edgeNode),
                .timestamptz(sample.observedAtUs),
            ])
        }
        return Write(copyData: writer.finished())
    }

    /// Stores one write: binary COPY into a per-connection staging table, then one insert
    /// that skips keys already stored — in one transaction (the staging rows go at commit).
    /// COPY avoids cutting each sample's features out of one big array parameter, which
    /// costs PostgreSQL more than the insert itself.
    private func insert(_ write: Write) async throws -> Int64 {
        try await pool.withTransaction { connection in
            try connection.execute(
                """
                create temp table if not exists samples_stage (
                    job_id text, key text, task_name text, kind int8, features float8[], attributes jsonb,
                    label_present bool, label_class int8, label_value float8, edge_node text, observed_at timestamptz)
                on commit delete rows
                """)
            try connection.copyIn("copy samples_stage from stdin (format binary)", data: write.copyData)
            let result = try connection.executePrepared(
                """
                insert into samples (job_id, key, task_name, kind, features, attributes, label_present, label_class,
                    label_value, edge_node, observed_at)
                select job_id, key, task_name, kind, features, attributes, label_present, label_class, label_value,
                    edge_node, observed_at
                from samples_stage
                on conflict (job_id, key) do nothing
                """)
            return Int64(result.affectedRows ?? 0)
        }
    }

    // MARK: List

    /// Streams samples matching the request in `sequence` order, in batches that each carry
    /// the cursor resuming after them.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT (a bad cursor, batch size, limit,
    ///   time range), UNAVAILABLE.
    func list(_ request: Lifelong_V1_ListSamplesRequest, to writer: RPCWriter<Lifelong_V1_SampleBatch>) async throws {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        try Validation.optionalIdentifier(request.taskName, field: "task_name", limits: limits)
        guard request.batchSize >= 0 else { throw KnowledgeBaseError.invalid("batch_size must be >= 0, got \(request.batchSize)") }
        guard request.limit >= 0 else { throw KnowledgeBaseError.invalid("limit must be >= 0, got \(request.limit)") }
        if request.fromUs != 0, request.toUs != 0, request.toUs < request.fromUs {
            throw KnowledgeBaseError.invalid("to_us (\(request.toUs)) is before from_us (\(request.fromUs))")
        }
        var kinds: [Int64] = []
        for (index, kind) in request.kinds.enumerated() {
            switch kind {
            case .train, .eval, .unseen, .labelled: kinds.append(Int64(kind.rawValue))
            default: throw KnowledgeBaseError.invalid("kinds[\(index)] is not a sample kind (\(kind.rawValue))")
            }
        }
        let labelState: Int64
        switch request.labelState {
        case .any: labelState = 0
        case .labelled: labelState = 1
        case .unlabelled: labelState = 2
        case .unrecognized(let value): throw KnowledgeBaseError.invalid("label_state \(value) is not a label state")
        }
        var after = try SampleCursor.decode(request.cursor)
        let batchSize = request.batchSize == 0 ? limits.defaultListBatchSize : min(Int(request.batchSize), limits.maximumListBatchSize)
        var remaining = request.limit == 0 ? Int64.max : request.limit

        // The next page is queried while this one is converted and sent.
        var size = Int(min(Int64(batchSize), remaining))
        var pending = try await page(request, kinds: kinds, labelState: labelState, after: after, size: size)
        while let rows = pending, rows.rowCount > 0 {
            remaining -= Int64(rows.rowCount)
            after = try rows.int64(row: rows.rowCount - 1, column: 0) ?? after
            let full = rows.rowCount == size
            size = full ? Int(min(Int64(batchSize), remaining)) : 0
            let (nextAfter, nextSize) = (after, size)
            async let next = page(request, kinds: kinds, labelState: labelState, after: nextAfter, size: nextSize)
            var batch = Lifelong_V1_SampleBatch()
            batch.samples.reserveCapacity(rows.rowCount)
            for row in 0..<rows.rowCount {
                var sample = Lifelong_V1_Sample()
                sample.sequence = try rows.int64(row: row, column: 0) ?? 0
                sample.jobId = request.jobId
                sample.key = try rows.string(row: row, column: 1) ?? ""
                sample.taskName = try rows.string(row: row, column: 2) ?? ""
                sample.kind = Lifelong_V1_SampleKind(rawValue: Int32(try rows.int64(row: row, column: 3) ?? 0))
                sample.features = try rows.doubleArray(row: row, column: 4) ?? []
                sample.attributes = try AttributeJSON.decode(try rows.string(row: row, column: 5) ?? "{}")
                if try rows.bool(row: row, column: 6) == true {
                    var label = Lifelong_V1_Label()
                    label.present = true
                    label.classIndex = Int32(try rows.int64(row: row, column: 7) ?? 0)
                    label.value = try rows.double(row: row, column: 8) ?? 0
                    sample.label = label
                }
                sample.edgeNode = try rows.string(row: row, column: 9) ?? ""
                sample.observedAtUs = try rows.timestampMicroseconds(row: row, column: 10) ?? 0
                batch.samples.append(sample)
            }
            batch.nextCursor = SampleCursor.encode(after)
            try await writer.write(batch)
            pending = try await next
        }
    }

    /// One page of ListSamples: up to `size` matching samples after sequence `after` (nil when `size` is 0).
    private func page(
        _ request: Lifelong_V1_ListSamplesRequest, kinds: [Int64], labelState: Int64, after: Int64, size: Int
    ) async throws -> PostgresResult? {
        guard size > 0 else { return nil }
        return try await pool.execute(
            """
            select sequence, key, task_name, kind, features, attributes::text, label_present, label_class,
                label_value, edge_node, observed_at
            from samples
            where job_id = $1 and sequence > $2 and ($3 = '' or task_name = $3)
                and (cardinality($4::int8[]) = 0 or kind = any($4::int8[]))
                and ($5::int8 = 0 or ($5::int8 = 1) = label_present)
                and ($6::int8 = 0 or observed_at >= timestamptz 'epoch' + $6::int8 * interval '1 microsecond')
                and ($7::int8 = 0 or observed_at < timestamptz 'epoch' + $7::int8 * interval '1 microsecond')
            order by sequence limit $8
            """,
            parameters: [
                .text(request.jobId), .int8(after), .text(request.taskName), .int8Array(kinds), .int8(labelState),
                .int8(request.fromUs), .int8(request.toUs), .int8(Int64(size)),
            ])
    }

    // MARK: Label

    /// Labels stored samples: an UNSEEN sample becomes LABELLED; a task name, when given,
    /// replaces the stored one.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, RESOURCE_EXHAUSTED, UNAVAILABLE.
    func attachLabels(_ request: Lifelong_V1_AttachLabelsRequest) async throws -> Lifelong_V1_AttachLabelsResponse {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.labels.count <= limits.maximumLabelsPerRequest else {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "labels has \(request.labels.count) entries; the limit is \(limits.maximumLabelsPerRequest)")
        }
        var keys: [String] = [], tasks: [String] = [], classes: [Int64] = [], values: [Double] = []
        var seen = Set<String>()
        for (index, entry) in request.labels.enumerated() {
            try Validation.identifier(entry.key, field: "labels[\(index)].key", limits: limits)
            try Validation.optionalIdentifier(entry.taskName, field: "labels[\(index)].task_name", limits: limits)
            guard let label = entry.label, label.present else {
                throw KnowledgeBaseError.invalid("labels[\(index)].label is missing or not present")
            }
            guard seen.insert(entry.key).inserted else {
                throw KnowledgeBaseError.invalid("labels[\(index)].key '\(entry.key)' is given twice")
            }
            keys.append(entry.key)
            tasks.append(entry.taskName)
            classes.append(Int64(label.classIndex))
            values.append(label.value)
        }
        guard !keys.isEmpty else { return Lifelong_V1_AttachLabelsResponse() }
        let jobID = request.jobId
        let parameters: [PostgresValue] = [
            .text(jobID), .textArray(keys), .textArray(tasks), .int8Array(classes), .float8Array(values),
            .int8(Int64(Lifelong_V1_SampleKind.unseen.rawValue)),
            .int8(Int64(Lifelong_V1_SampleKind.labelled.rawValue)),
        ]
        let updatedKeys: Set<String> = try await pool.withTransaction { connection in
            let result = try connection.executePrepared(
                """
                update samples s set label_present = true, label_class = u.class, label_value = u.value,
                    task_name = case when u.task = '' then s.task_name else u.task end,
                    kind = case when s.kind = $6 then $7 else s.kind end
                from unnest($2::text[], $3::text[], $4::int8[], $5::float8[]) as u (key, task, class, value)
                where s.job_id = $1 and s.key = u.key
                returning s.key
                """,
                parameters: parameters)
            var updated = Set<String>()
            for row in 0..<result.rowCount { updated.insert(try result.string(row: row, column: 0) ?? "") }
            return updated
        }
        var response = Lifelong_V1_AttachLabelsResponse()
        response.updated = Int64(updatedKeys.count)
        response.unknownKeys = keys.filter { !updatedKeys.contains($0) }
        return response
    }
}

/// The ListSamples cursor: `s1.<sequence>` — the last sequence number sent.
enum SampleCursor {
    static func encode(_ sequence: Int64) -> String { "s1.\(sequence)" }

    static func decode(_ cursor: String) throws -> Int64 {
        if cursor.isEmpty { return 0 }
        guard cursor.hasPrefix("s1."), let sequence = Int64(cursor.dropFirst(3)), sequence >= 0 else {
            throw KnowledgeBaseError.invalid("cursor '\(cursor.prefix(64))' is not a cursor this service issued")
        }
        return sequence
    }
}
