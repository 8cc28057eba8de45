import ContentDigest
import LifelongProto
import PostgresClient

/// Versions of each job's task index: publish (compare-and-set on the base version), read,
/// list, diff and roll back. Every write is one transaction, so a reader sees a version whole
/// or not at all.
struct SnapshotStore: Sendable {
    let pool: PostgresPool
    let limits: KnowledgeBaseConfiguration.Limits
    let cache: SnapshotCache
    /// The NOTIFY channel announcing new versions, payload `"<version>:<job id>"`.
    let channel: String

    // MARK: Publish

    /// Publishes `snapshot` as the job's next version if `snapshot.base_version` is the
    /// current one.
    ///
    /// With a `requestID`, a publish is idempotent: when the job already has a version made
    /// by a request with that id and the same snapshot, that version is returned (a retry
    /// after a lost reply), whatever the current version.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
    ///   FAILED_PRECONDITION (a referenced model is not stored, or `request_id` was used for
    ///   other content), ABORTED (another publisher won), UNAVAILABLE.
    func publish(
        _ snapshot: Lifelong_V1_TaskIndexSnapshot, requestID: String = ""
    ) async throws -> Lifelong_V1_PublishSnapshotResponse {
        let prepared = try PreparedSnapshot(snapshot, limits: limits)
        let request = try RequestKey(id: requestID, limits: limits) { try Array("publish:".utf8) + prepared.snapshot.serializedBytes() }
        let channel = channel
        let limits = limits
        let outcome: Outcome = try await pool.withTransaction { connection in
            let current = try Self.lockJob(prepared.jobID, creating: true, on: connection)
            if let request, let earlier = try Self.earlierVersion(jobID: prepared.jobID, request: request, on: connection) {
                return .repeated(earlier)
            }
            guard current == prepared.baseVersion else {
                throw KnowledgeBaseError(
                    .aborted,
                    "snapshot.base_version is \(prepared.baseVersion) but job '\(prepared.jobID)' is at version \(current); another publisher won — rebase on version \(current)"
                )
            }
            try Self.requireModels(prepared.modelReferences, on: connection)
            let now = try Self.transactionTime(on: connection)
            let timestamps = try Self.recordTasks(
                jobID: prepared.jobID, names: prepared.taskNames, fingerprints: prepared.fingerprints, on: connection)
            var stored = prepared.snapshot
            stored.version = current + 1
            stored.status = .published
            stored.publishedAtUs = now
            for index in stored.tasks.indices {
                if let (created, updated) = timestamps[stored.tasks[index].name] {
                    stored.tasks[index].createdAtUs = created
                    stored.tasks[index].updatedAtUs = updated
                }
            }
            try Self.insert(
                stored, fingerprints: prepared.fingerprints, definitions: prepared.definitions, request: request,
                limits: limits, on: connection)
            try connection.executePrepared(
                """
                update jobs set current_version = $2, feature_count = coalesce($3::int8::int4, feature_count),
                    updated_at = now() where job_id = $1
                """,
                parameters: [.text(prepared.jobID), .int8(stored.version), prepared.featureCount.map { .int8(Int64($0)) } ?? .null])
            try Self.notify(channel: channel, jobID: prepared.jobID, version: stored.version, on: connection)
            return .created(stored)
        }
        return response(outcome)
    }

    /// What a publish or rollback transaction did.
    enum Outcome: Sendable {
        /// It wrote this version.
        case created(Lifelong_V1_TaskIndexSnapshot)
        /// A request with the same id and content made this version before.
        case repeated(Lifelong_V1_PublishSnapshotResponse)
    }

    private func response(_ outcome: Outcome) -> Lifelong_V1_PublishSnapshotResponse {
        switch outcome {
        case .repeated(let response):
            return response
        case .created(let stored):
            cache.put(stored)
            var response = Lifelong_V1_PublishSnapshotResponse()
            response.version = stored.version
            response.publishedAtUs = stored.publishedAtUs
            return response
        }
    }

    /// A client's idempotency key and a digest of what it asked, stored with the version.
    struct RequestKey: Sendable {
        var id: String
        var digest: String

        /// Nil for an empty id.
        /// - Throws: INVALID_ARGUMENT naming `request_id` when it is too long.
        init?(id: String, limits: KnowledgeBaseConfiguration.Limits, content: () throws -> [UInt8]) throws {
            guard !id.isEmpty else { return nil }
            guard id.utf8.count <= limits.maximumRequestIDBytes else {
                throw KnowledgeBaseError.invalid(
                    "request_id is \(id.utf8.count) bytes long; the limit is \(limits.maximumRequestIDBytes)")
            }
            self.id = id
            digest = SHA256Digest.hex(of: try content())
        }
    }

    /// The version an earlier request with the same id made, if any.
    /// - Throws: FAILED_PRECONDITION naming `request_id` when that request asked for
    ///   something else.
    static func earlierVersion(
        jobID: String, request: RequestKey, on connection: PostgresConnection
    ) throws -> Lifelong_V1_PublishSnapshotResponse? {
        let result = try connection.executePrepared(
            "select version, published_at, request_digest from snapshots where job_id = $1 and request_id = $2",
            parameters: [.text(jobID), .text(request.id)])
        guard result.rowCount == 1 else { return nil }
        let version = try result.int64(row: 0, column: "version") ?? 0
        guard try result.string(row: 0, column: "request_digest") == request.digest else {
            throw KnowledgeBaseError(
                .failedPrecondition,
                "request_id '\(request.id)' already made version \(version) of job '\(jobID)' from a different request; use a new request_id for new content"
            )
        }
        var response = Lifelong_V1_PublishSnapshotResponse()
        response.version = version
        response.publishedAtUs = try result.timestampMicroseconds(row: 0, column: 1) ?? 0
        return response
    }

    /// Publishes a new version whose content is that of `toVersion`, if `baseVersion` is the
    /// current one; the versions after `toVersion` are marked rolled back. Idempotent by
    /// `request_id` as ``publish(_:requestID:)``.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, ABORTED,
    ///   FAILED_PRECONDITION, UNAVAILABLE.
    func rollback(_ request: Lifelong_V1_RollbackSnapshotRequest) async throws -> Lifelong_V1_PublishSnapshotResponse {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.toVersion > 0 else {
            throw KnowledgeBaseError.invalid("to_version must be a published version (> 0), got \(request.toVersion)")
        }
        let key = try RequestKey(id: request.requestId, limits: limits) {
            Array("rollback:\(request.toVersion):\(request.baseVersion)".utf8)
        }
        let channel = channel
        let limits = limits
        let outcome: Outcome = try await pool.withTransaction { connection in
            let current = try Self.lockJob(request.jobId, creating: false, on: connection)
            if let key, let earlier = try Self.earlierVersion(jobID: request.jobId, request: key, on: connection) {
                return .repeated(earlier)
            }
            guard request.toVersion <= current, var target = try Self.loadContent(
                jobID: request.jobId, version: request.toVersion, on: connection)
            else {
                throw KnowledgeBaseError.notFound("job '\(request.jobId)' has no version \(request.toVersion)")
            }
            guard current == request.baseVersion else {
                throw KnowledgeBaseError(
                    .aborted,
                    "base_version is \(request.baseVersion) but job '\(request.jobId)' is at version \(current); another publisher won"
                )
            }
            guard request.toVersion < current else {
                throw KnowledgeBaseError(
                    .failedPrecondition, "version \(request.toVersion) is already the current version of job '\(request.jobId)'")
            }
            let rows = try connection.executePrepared(
                "select name, fingerprint, definition from snapshot_tasks where job_id = $1 and version = $2",
                parameters: [.text(request.jobId), .int8(request.toVersion)])
            var byName: [String: String] = [:]
            var definitionByName: [String: [UInt8]] = [:]
            for row in 0..<rows.rowCount {
                let name = try rows.string(row: row, column: 0) ?? ""
                byName[name] = try rows.string(row: row, column: 1) ?? ""
                definitionByName[name] = try rows.bytes(row: row, column: 2) ?? []
            }
            let now = try Self.transactionTime(on: connection)
            _ = try Self.recordTasks(
                jobID: request.jobId, names: target.tasks.map(\.name),
                fingerprints: target.tasks.map { byName[$0.name] ?? "" }, on: connection)
            target.version = current + 1
            target.baseVersion = current
            target.status = .published
            target.publishedAtUs = now
            target.note = "rollback to version \(request.toVersion)"
            try Self.insert(
                target, fingerprints: target.tasks.map { byName[$0.name] ?? "" },
                definitions: target.tasks.map { definitionByName[$0.name] ?? [] }, request: key, limits: limits,
                on: connection)
            try connection.executePrepared(
                "update snapshots set status = $4 where job_id = $1 and version > $2 and version <= $3",
                parameters: [
                    .text(request.jobId), .int8(request.toVersion), .int8(current),
                    .int8(Int64(Lifelong_V1_SnapshotStatus.rolledBack.rawValue)),
                ])
            try connection.executePrepared(
                "update jobs set current_version = $2, updated_at = now() where job_id = $1",
                parameters: [.text(request.jobId), .int8(target.version)])
            try Self.notify(channel: channel, jobID: request.jobId, version: target.version, on: connection)
            return .created(target)
        }
        return response(outcome)
    }

    // MARK: Read

    /// One version (the current one for version 0), with its present status.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE.
    func get(jobID: String, version: Int64) async throws -> Lifelong_V1_TaskIndexSnapshot {
        try Validation.identifier(jobID, field: "job_id", limits: limits)
        guard version >= 0 else { throw KnowledgeBaseError.invalid("version must be >= 0, got \(version)") }
        let summary = try await summary(jobID: jobID, version: version)
        var snapshot: Lifelong_V1_TaskIndexSnapshot
        if let cached = cache.get(jobID: jobID, version: summary.version) {
            snapshot = cached
        } else {
            let loaded = try await pool.run { connection in
                try Self.loadContent(jobID: jobID, version: summary.version, on: connection)
            }
            guard let loaded else {
                throw KnowledgeBaseError.notFound("job '\(jobID)' has no version \(summary.version)")
            }
            cache.put(loaded)
            snapshot = loaded
        }
        snapshot.status = summary.status
        return snapshot
    }

    /// The summary of one version (the current one for version 0).
    /// - Throws: ``KnowledgeBaseError``: NOT_FOUND, UNAVAILABLE.
    func summary(jobID: String, version: Int64) async throws -> Lifelong_V1_SnapshotVersion {
        let result = try await pool.execute(
            """
            select s.version, s.base_version, s.status, s.task_count, s.published_at, s.note
            from snapshots s
            where s.job_id = $1 and s.version = (
                case when $2::int8 = 0 then (select current_version from jobs where job_id = $1) else $2::int8 end)
            """,
            parameters: [.text(jobID), .int8(version)])
        guard result.rowCount == 1 else {
            throw KnowledgeBaseError.notFound(
                version == 0 ? "job '\(jobID)' has no published snapshot" : "job '\(jobID)' has no version \(version)")
        }
        return try Self.versionSummary(result, row: 0)
    }

    /// Versions of a job, newest first.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND (unknown job), UNAVAILABLE.
    func list(_ request: Lifelong_V1_ListVersionsRequest) async throws -> Lifelong_V1_ListVersionsResponse {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.limit >= 0 else { throw KnowledgeBaseError.invalid("limit must be >= 0, got \(request.limit)") }
        guard request.beforeVersion >= 0 else {
            throw KnowledgeBaseError.invalid("before_version must be >= 0, got \(request.beforeVersion)")
        }
        let limit = request.limit == 0 ? limits.defaultVersionsLimit : min(Int(request.limit), limits.maximumVersionsLimit)
        let rows = try await pool.execute(
            """
            select s.version, s.base_version, s.status, s.task_count, s.published_at, s.note
            from jobs j join snapshots s using (job_id)
            where j.job_id = $1 and ($2::int8 = 0 or s.version < $2::int8)
            order by s.version desc limit $3
            """,
            parameters: [.text(request.jobId), .int8(request.beforeVersion), .int8(Int64(limit))])
        var response = Lifelong_V1_ListVersionsResponse()
        for row in 0..<rows.rowCount { response.versions.append(try Self.versionSummary(rows, row: row)) }
        if response.versions.isEmpty, try await !jobExists(request.jobId) {
            throw KnowledgeBaseError.notFound("job '\(request.jobId)' has no snapshots")
        }
        return response
    }

    /// Versions after `version`, oldest first, at most `limit`.
    func versions(jobID: String, after version: Int64, limit: Int) async throws -> [Lifelong_V1_SnapshotVersion] {
        let rows = try await pool.execute(
            """
            select version, base_version, status, task_count, published_at, note from snapshots
            where job_id = $1 and version > $2 order by version limit $3
            """,
            parameters: [.text(jobID), .int8(version), .int8(Int64(limit))])
        return try (0..<rows.rowCount).map { try Self.versionSummary(rows, row: $0) }
    }

    /// Tasks added, changed, removed and unchanged from one version to another.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE.
    func diff(_ request: Lifelong_V1_DiffSnapshotsRequest) async throws -> Lifelong_V1_SnapshotDiff {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.fromVersion > 0 else { throw KnowledgeBaseError.invalid("from_version must be > 0, got \(request.fromVersion)") }
        guard request.toVersion > 0 else { throw KnowledgeBaseError.invalid("to_version must be > 0, got \(request.toVersion)") }
        let jobID = request.jobId
        return try await pool.run { connection in
            let present = try connection.executePrepared(
                "select version from snapshots where job_id = $1 and version in ($2, $3)",
                parameters: [.text(jobID), .int8(request.fromVersion), .int8(request.toVersion)])
            let found = Set(try (0..<present.rowCount).map { try present.int64(row: $0, column: 0) ?? 0 })
            for version in [request.fromVersion, request.toVersion] where !found.contains(version) {
                throw KnowledgeBaseError.notFound("job '\(jobID)' has no version \(version)")
            }
            let rows = try connection.executePrepared(
                """
                select coalesce(a.name, b.name) as name, a.fingerprint as before, b.fingerprint as after
                from (select name, fingerprint from snapshot_tasks where job_id = $1 and version = $2) a
                full join (select name, fingerprint from snapshot_tasks where job_id = $1 and version = $3) b
                    on a.name = b.name
                order by 1
                """,
                parameters: [.text(jobID), .int8(request.fromVersion), .int8(request.toVersion)])
            var diff = Lifelong_V1_SnapshotDiff()
            for row in 0..<rows.rowCount {
                let name = try rows.string(row: row, column: 0) ?? ""
                switch (try rows.string(row: row, column: 1), try rows.string(row: row, column: 2)) {
                case (nil, _): diff.added.append(name)
                case (_, nil): diff.removed.append(name)
                case (let before?, let after?) where before == after: diff.unchanged.append(name)
                default: diff.changed.append(name)
                }
            }
            return diff
        }
    }

    func jobExists(_ jobID: String) async throws -> Bool {
        try await pool.execute("select 1 from jobs where job_id = $1", parameters: [.text(jobID)]).rowCount == 1
    }

    // MARK: SQL steps (run on a connection's thread)

    /// Locks the job's row for the rest of the transaction and returns its current version.
    static func lockJob(_ jobID: String, creating: Bool, on connection: PostgresConnection) throws -> Int64 {
        if creating {
            try connection.executePrepared(
                "insert into jobs (job_id) values ($1) on conflict (job_id) do nothing", parameters: [.text(jobID)])
        }
        let result = try connection.executePrepared(
            "select current_version from jobs where job_id = $1 for update", parameters: [.text(jobID)])
        guard result.rowCount == 1 else { throw KnowledgeBaseError.notFound("job '\(jobID)' has no snapshots") }
        return try result.int64(row: 0, column: 0) ?? 0
    }

    static func transactionTime(on connection: PostgresConnection) throws -> Int64 {
        try connection.executePrepared("select now()").timestampMicroseconds(row: 0, column: 0) ?? 0
    }

    /// Fails with FAILED_PRECONDITION naming the first reference whose model is not stored.
    static func requireModels(_ references: [(field: String, sha256: String)], on connection: PostgresConnection) throws {
        guard !references.isEmpty else { return }
        let unique = Array(Set(references.map(\.sha256)))
        let result = try connection.executePrepared(
            "select sha256 from models where sha256 = any($1::text[])", parameters: [.textArray(unique)])
        var stored = Set<String>()
        for row in 0..<result.rowCount { stored.insert(try result.string(row: row, column: 0) ?? "") }
        if let missing = references.first(where: { !stored.contains($0.sha256) }) {
            throw KnowledgeBaseError(
                .failedPrecondition, "\(missing.field) \(missing.sha256) names no stored model; put the model first")
        }
    }

    /// Records each task's fingerprint for the job; returns when each task first appeared
    /// and last changed (microseconds).
    static func recordTasks(
        jobID: String, names: [String], fingerprints: [String], on connection: PostgresConnection
    ) throws -> [String: (Int64, Int64)] {
        guard !names.isEmpty else { return [:] }
        // Only new and changed tasks are written (a publish usually changes few of them);
        // then every task's times are read back.
        try connection.executePrepared(
            """
            insert into tasks as t (job_id, name, fingerprint, created_at, updated_at)
            select $1, u.name, u.fingerprint, now(), now() from unnest($2::text[], $3::text[]) as u (name, fingerprint)
            on conflict (job_id, name) do update set fingerprint = excluded.fingerprint, updated_at = excluded.updated_at
                where t.fingerprint <> excluded.fingerprint
            """,
            parameters: [.text(jobID), .textArray(names), .textArray(fingerprints)])
        let result = try connection.executePrepared(
            "select name, created_at, updated_at from tasks where job_id = $1 and name = any($2::text[])",
            parameters: [.text(jobID), .textArray(names)])
        var timestamps: [String: (Int64, Int64)] = [:]
        for row in 0..<result.rowCount {
            timestamps[try result.string(row: row, column: 0) ?? ""] = (
                try result.timestampMicroseconds(row: row, column: 1) ?? 0,
                try result.timestampMicroseconds(row: row, column: 2) ?? 0
            )
        }
        return timestamps
    }

    /// Inserts a version: its content, its tasks, groups and relations, and the request that
    /// made it.
    static func insert(
        _ snapshot: Lifelong_V1_TaskIndexSnapshot, fingerprints: [String], definitions: [[UInt8]], request: RequestKey?,
        limits: KnowledgeBaseConfiguration.Limits, on connection: PostgresConnection
    ) throws {
        var content = snapshot
        content.status = .unspecified
        let bytes = try content.serializedBytes()
        let served = try servedBytes(snapshot, contentBytes: bytes.count)
        guard served <= limits.maximumSnapshotBytes else {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "snapshot is \(served) bytes as sent back (in a WatchSnapshots event); the limit is \(limits.maximumSnapshotBytes) (maximumSnapshotBytes)"
            )
        }
        try connection.executePrepared(
            """
            insert into snapshots (job_id, version, base_version, status, task_count, note, published_at, content,
                request_id, request_digest)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            """,
            parameters: [
                .text(snapshot.jobId), .int8(snapshot.version), .int8(snapshot.baseVersion),
                .int8(Int64(snapshot.status.rawValue)), .int8(Int64(snapshot.tasks.count)), .text(snapshot.note),
                .timestamptz(snapshot.publishedAtUs), .bytea(bytes), request.map { .text($0.id) } ?? .null,
                request.map { .text($0.digest) } ?? .null,
            ])

        if !snapshot.tasks.isEmpty {
            // Binary COPY: no per-row statement, no slicing of big array parameters.
            let models = Dictionary(
                snapshot.assignments.map { ($0.taskName, $0.model?.sha256 ?? "") }, uniquingKeysWith: { first, _ in first })
            var writer = PostgresCopyBinaryWriter(reservingCapacity: definitions.reduce(0) { $0 + $1.count * 2 + 200 })
            for (index, task) in snapshot.tasks.enumerated() {
                let statistics = task.statistics ?? Lifelong_V1_FeatureStatistics()
                let model = models[task.name] ?? ""
                writer.append([
                    .text(snapshot.jobId), .int8(snapshot.version), .text(task.name), .text(fingerprints[index]),
                    model.isEmpty ? .null : .text(model),
                    .jsonb(try AttributeJSON.encode(task.attributes, field: "snapshot.tasks[\(index)].attributes")),
                    .float8Array(statistics.mean), .float8Array(statistics.stddev), .bytea(definitions[index]),
                ])
            }
            try connection.copyIn(
                """
                copy snapshot_tasks (job_id, version, name, fingerprint, model_sha256, attributes, statistics_mean,
                    statistics_stddev, definition) from stdin (format binary)
                """,
                data: writer.finished())
        }

        if !snapshot.groups.isEmpty {
            var members: [String] = [], counts: [Int64] = []
            for group in snapshot.groups {
                members.append(contentsOf: group.tasks)
                counts.append(Int64(group.tasks.count))
            }
            try connection.executePrepared(
                """
                insert into snapshot_groups (job_id, version, name, tasks, model_sha256)
                select $1, $2, u.name, ($5::text[])[u.start + 1 : u.start + u.count], nullif(u.model, '')
                from (
                    select *, (coalesce(sum(count) over (order by ord), 0) - count)::int4 as start
                    from unnest($3::text[], $4::text[], $6::int8[]) with ordinality as v (name, model, count, ord)
                ) u
                """,
                parameters: [
                    .text(snapshot.jobId), .int8(snapshot.version), .textArray(snapshot.groups.map(\.name)),
                    .textArray(snapshot.groups.map { $0.model?.sha256 ?? "" }), .textArray(members), .int8Array(counts),
                ])
        }

        if !snapshot.relations.isEmpty {
            try connection.executePrepared(
                """
                insert into snapshot_relations (job_id, version, from_task, to_task, weight, data_distance, cross_accuracy)
                select $1, $2, * from unnest($3::text[], $4::text[], $5::float8[], $6::float8[], $7::float8[])
                """,
                parameters: [
                    .text(snapshot.jobId), .int8(snapshot.version), .textArray(snapshot.relations.map(\.fromTask)),
                    .textArray(snapshot.relations.map(\.toTask)), .float8Array(snapshot.relations.map(\.weight)),
                    .float8Array(snapshot.relations.map(\.dataDistance)),
                    .float8Array(snapshot.relations.map(\.crossAccuracy)),
                ])
        }
    }

    /// The size of the largest message that carries this version back to a client: the
    /// WatchSnapshots event holding its summary and the snapshot (which GetSnapshot also
    /// sends), with the largest status a reply can carry. `contentBytes` is the size of the
    /// stored content (status left out); protobuf sizes add up field by field.
    static func servedBytes(_ snapshot: Lifelong_V1_TaskIndexSnapshot, contentBytes: Int) throws -> Int {
        var status = Lifelong_V1_TaskIndexSnapshot()
        status.status = .rolledBack
        let snapshotBytes = contentBytes + (try status.serializedBytes().count)
        var summary = Lifelong_V1_SnapshotVersion()
        summary.version = snapshot.version
        summary.baseVersion = snapshot.baseVersion
        summary.status = .rolledBack
        summary.taskCount = Int32(snapshot.tasks.count)
        summary.publishedAtUs = snapshot.publishedAtUs
        summary.note = snapshot.note
        var event = Lifelong_V1_SnapshotEvent()
        event.version = summary
        var lengthBytes = 1
        while snapshotBytes >> (7 * lengthBytes) > 0 { lengthBytes += 1 }
        // Field 2 of the event: a one-byte tag, the length, the snapshot.
        return try event.serializedBytes().count + 1 + lengthBytes + snapshotBytes
    }

    static func notify(channel: String, jobID: String, version: Int64, on connection: PostgresConnection) throws {
        try connection.executePrepared(
            "select pg_notify($1, $2)", parameters: [.text(channel), .text("\(version):\(jobID)")])
    }

    /// The stored content of a version (status as stored: unspecified), or nil.
    static func loadContent(jobID: String, version: Int64, on connection: PostgresConnection) throws
        -> Lifelong_V1_TaskIndexSnapshot?
    {
        let result = try connection.executePrepared(
            "select content from snapshots where job_id = $1 and version = $2",
            parameters: [.text(jobID), .int8(version)])
        guard result.rowCount == 1, let bytes = try result.bytes(row: 0, column: 0) else { return nil }
        do {
            return try Lifelong_V1_TaskIndexSnapshot(serializedBytes: bytes)
        } catch {
            throw KnowledgeBaseError(
                .dataLoss, "stored snapshot \(jobID) version \(version) cannot be decoded: \(error)", cause: error)
        }
    }

    static func versionSummary(_ result: PostgresResult, row: Int) throws -> Lifelong_V1_SnapshotVersion {
        var summary = Lifelong_V1_SnapshotVersion()
        summary.version = try result.int64(row: row, column: 0) ?? 0
        summary.baseVersion = try result.int64(row: row, column: 1) ?? 0
        summary.status = Lifelong_V1_SnapshotStatus(rawValue: Int32(try result.int64(row: row, column: 2) ?? 0))
        summary.taskCount = Int32(try result.int64(row: row, column: 3) ?? 0)
        summary.publishedAtUs = try result.timestampMicroseconds(row: row, column: 4) ?? 0
        summary.note = try result.string(row: row, column: 5) ?? ""
        return summary
    }
}
