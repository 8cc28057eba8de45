import Foundation
import LifelongProto
import PostgresClient
import RPCCore

/// A job as the loop works on it: the `Job` message clients see and the loop's own state.
struct JobRecord: Sendable {
    var job: Lifelong_V1_Job
    /// TriggerTraining was called and no round has started since.
    var trainRequested: Bool
    /// Tasks with labelled samples not yet trained on (attribute tasks only).
    var pendingTasks: [String]
    /// What the running round started with: its pending count and tasks.
    var roundPending: Int64
    var roundTasks: [String]
    /// The request that starts the round's run (kept until the run is known).
    var roundRequest: Lifelong_V1_TrainRequest?
    /// When the last round finished (nil: never).
    var lastRoundAt: Date?
    /// The running round's training events relayed so far.
    var relayedSequence: Int64
}

/// The gateway's rows in PostgreSQL: jobs and their events, rounds, the samples it remembers
/// and the fleet. Every change of a job and the events it causes commit together.
struct JobStore: Sendable {
    let pool: PostgresPool

    static func nowUs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }

    // MARK: Jobs

    /// Stores a new job. - Throws: ALREADY_EXISTS when the name is taken.
    func create(_ job: Lifelong_V1_Job, event: Lifelong_V1_JobProgressEvent) async throws -> Lifelong_V1_Job {
        try await pool.withTransaction { connection in
            let inserted = try connection.executePrepared(
                "insert into jobs (job_id, job) values ($1, $2) on conflict (job_id) do nothing returning job_id",
                parameters: [.text(job.id), .bytea(try job.serializedBytes())])
            guard inserted.rowCount == 1 else {
                throw RPCError(code: .alreadyExists, message: "spec.name: a job named '\(job.id)' exists")
            }
            try Self.append(event, job: job.id, on: connection)
            return job
        }
    }

    func job(_ id: String) async throws -> Lifelong_V1_Job {
        try await pool.run { connection in
            let result = try connection.executePrepared("select job from jobs where job_id = $1", parameters: [.text(id)])
            guard result.rowCount == 1 else { throw Self.notFound(id) }
            return try Lifelong_V1_Job(serializedBytes: try result.bytes(row: 0, column: 0) ?? [])
        }
    }

    func jobs(limit: Int) async throws -> [Lifelong_V1_Job] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select job from jobs order by (select min(sequence) from job_events e where e.job_id = jobs.job_id), job_id limit $1",
                parameters: [.int8(Int64(limit > 0 ? limit : Int(Int32.max)))])
            return try (0..<result.rowCount).map { try Lifelong_V1_Job(serializedBytes: try result.bytes(row: $0, column: 0) ?? []) }
        }
    }

    /// Ids of every job.
    func jobIDs() async throws -> [String] {
        try await pool.run { connection in
            let result = try connection.executePrepared("select job_id from jobs order by job_id")
            return try (0..<result.rowCount).map { try result.string(row: $0, column: 0) ?? "" }
        }
    }

    /// Changes a job under its row lock; `change` returns the events to append (their
    /// `job_id`, `sequence` and time are filled in) and a value.
    func update<T: Sendable>(
        _ id: String, _ change: @escaping @Sendable (inout JobRecord) throws -> (events: [Lifelong_V1_JobProgressEvent], value: T)
    ) async throws -> T {
        try await pool.withTransaction { connection in
            var record = try Self.lockedRecord(id, on: connection)
            let before = try record.job.serializedBytes()
            let (events, value) = try change(&record)
            if try record.job.serializedBytes() != before || !events.isEmpty { record.job.updatedAtUs = Self.nowUs() }
            try connection.executePrepared(
                """
                update jobs set job = $2, train_requested = $3, pending_tasks = $4, round_pending = $5, round_tasks = $6,
                    last_round_at = $7, relayed_sequence = $8, round_request = $9
                where job_id = $1
                """,
                parameters: [
                    .text(id), .bytea(try record.job.serializedBytes()), .bool(record.trainRequested), .textArray(record.pendingTasks),
                    .int8(record.roundPending), .textArray(record.roundTasks),
                    record.lastRoundAt.map { .timestamptz(Int64($0.timeIntervalSince1970 * 1_000_000)) } ?? .null,
                    .int8(record.relayedSequence), try record.roundRequest.map { .bytea(try $0.serializedBytes()) } ?? .null,
                ])
            for event in events { try Self.append(event, job: id, on: connection) }
            return value
        }
    }

    private static func lockedRecord(_ id: String, on connection: PostgresConnection) throws -> JobRecord {
        let result = try connection.executePrepared(
            """
            select job, train_requested, pending_tasks, round_pending, round_tasks, last_round_at, relayed_sequence, round_request
            from jobs where job_id = $1 for update
            """,
            parameters: [.text(id)])
        guard result.rowCount == 1 else { throw notFound(id) }
        var lastRoundAt: Date?
        if case .timestamptz(let us) = try result.value(row: 0, column: 5) {
            lastRoundAt = Date(timeIntervalSince1970: Double(us) / 1_000_000)
        }
        return JobRecord(
            job: try Lifelong_V1_Job(serializedBytes: try result.bytes(row: 0, column: 0) ?? []),
            trainRequested: try result.bool(row: 0, column: 1) ?? false, pendingTasks: try textArray(result, column: 2),
            roundPending: try result.int64(row: 0, column: 3) ?? 0, roundTasks: try textArray(result, column: 4),
            roundRequest: try result.bytes(row: 0, column: 7).map { try Lifelong_V1_TrainRequest(serializedBytes: $0) },
            lastRoundAt: lastRoundAt, relayedSequence: try result.int64(row: 0, column: 6) ?? 0)
    }

    private static func textArray(_ result: PostgresResult, column: Int) throws -> [String] {
        if case .textArray(let values) = try result.value(row: 0, column: column) { return values }
        return []
    }

    /// Deletes a job and its history. - Throws: FAILED_PRECONDITION while a round runs.
    func delete(_ id: String) async throws -> Lifelong_V1_Job {
        try await pool.withTransaction { connection in
            let record = try Self.lockedRecord(id, on: connection)
            if record.job.state == .running || record.job.state == .starting {
                throw RPCError(
                    code: .failedPrecondition, message: "job_id: job '\(id)' is running a round (run \(record.job.runId)); delete it when it ends")
            }
            try connection.executePrepared("delete from jobs where job_id = $1", parameters: [.text(id)])
            try connection.executePrepared("delete from edges where job_id = $1", parameters: [.text(id)])
            return record.job
        }
    }

    static func notFound(_ id: String) -> RPCError { RPCError(code: .notFound, message: "job_id: no job '\(id)'") }

    // MARK: Loop lease

    /// Takes or renews the loop's lease on a job: true when this gateway instance (`owner`)
    /// may drive it until the lease ends.
    func lease(_ id: String, owner: String, for duration: Duration) async throws -> Bool {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return try await pool.run { connection in
            let result = try connection.executePrepared(
                """
                update jobs set lease_owner = $2, lease_until = clock_timestamp() + make_interval(secs => $3)
                where job_id = $1 and (lease_owner is null or lease_owner = $2 or lease_until < clock_timestamp())
                returning job_id
                """,
                parameters: [.text(id), .text(owner), .float8(seconds)])
            return result.rowCount == 1
        }
    }

    // MARK: Events

    /// Appends an event under the job's row lock (held by the caller).
    private static func append(_ event: Lifelong_V1_JobProgressEvent, job: String, on connection: PostgresConnection) throws {
        let next = try connection.executePrepared(
            "update jobs set next_event = next_event + 1 where job_id = $1 returning next_event - 1", parameters: [.text(job)])
        var event = event
        event.jobId = job
        event.sequence = try next.int64(row: 0, column: 0) ?? 1
        if event.atUs == 0 { event.atUs = nowUs() }
        try connection.executePrepared(
            "insert into job_events (job_id, sequence, event) values ($1, $2, $3)",
            parameters: [.text(job), .int8(event.sequence), .bytea(try event.serializedBytes())])
    }

    /// The job's events after `sequence`, in order.
    func events(_ job: String, after sequence: Int64, limit: Int = 500) async throws -> [Lifelong_V1_JobProgressEvent] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select event from job_events where job_id = $1 and sequence > $2 order by sequence limit $3",
                parameters: [.text(job), .int8(sequence), .int8(Int64(limit))])
            return try (0..<result.rowCount).map {
                try Lifelong_V1_JobProgressEvent(serializedBytes: try result.bytes(row: $0, column: 0) ?? [])
            }
        }
    }

    /// The sequence of the job's newest event (0: none).
    func lastEvent(_ job: String) async throws -> Int64 {
        try await pool.run { connection in
            let result = try connection.executePrepared("select next_event - 1 from jobs where job_id = $1", parameters: [.text(job)])
            guard result.rowCount == 1 else { throw Self.notFound(job) }
            return try result.int64(row: 0, column: 0) ?? 0
        }
    }

    // MARK: Rounds

    struct Round: Sendable {
        var round: Int32
        var runID: String
        var version: Int64
    }

    /// Records a completed round (idempotent by round number).
    static func recordRound(_ round: Round, job: String, on connection: PostgresConnection) throws {
        try connection.executePrepared(
            "insert into job_rounds (job_id, round, run_id, version) values ($1, $2, $3, $4) on conflict do nothing",
            parameters: [.text(job), .int8(Int64(round.round)), .text(round.runID), .int8(round.version)])
    }

    func recordRound(_ round: Round, job: String) async throws {
        try await pool.run { try Self.recordRound(round, job: job, on: $0) }
    }

    func rounds(_ job: String) async throws -> [Round] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select round, run_id, version from job_rounds where job_id = $1 order by round", parameters: [.text(job)])
            return try (0..<result.rowCount).map {
                Round(
                    round: Int32(try result.int64(row: $0, column: 0) ?? 0), runID: try result.string(row: $0, column: 1) ?? "",
                    version: try result.int64(row: $0, column: 2) ?? 0)
            }
        }
    }

    // MARK: Samples

    /// Counts newly stored labelled samples towards the trigger, with their tasks.
    func addPending(_ job: String, count: Int64, tasks: Set<String>) async throws {
        guard count > 0 else { return }
        try await update(job) { record in
            record.job.pendingSamples += count
            record.pendingTasks = Array(Set(record.pendingTasks).union(tasks)).sorted()
            return ([], ())
        }
    }

    /// Remembers eval samples as the test set of `round` (a key keeps its first round).
    func recordEval(_ job: String, keys: [String], round: Int32) async throws {
        guard !keys.isEmpty else { return }
        _ = try await pool.run { connection in
            try connection.executePrepared(
                """
                insert into eval_samples (job_id, key, round) select $1, k, $3 from unnest($2::text[]) as k
                on conflict do nothing
                """,
                parameters: [.text(job), .textArray(keys), .int8(Int64(round))])
        }
    }

    /// Test-set round of every eval sample of the job, by key.
    func evalRounds(_ job: String) async throws -> [String: Int32] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select key, round from eval_samples where job_id = $1", parameters: [.text(job)])
            var rounds: [String: Int32] = [:]
            for row in 0..<result.rowCount {
                rounds[try result.string(row: row, column: 0) ?? ""] = Int32(try result.int64(row: row, column: 1) ?? 0)
            }
            return rounds
        }
    }

    /// Remembers uploaded unseen samples with the task their attributes name.
    func recordUnseen(_ job: String, keys: [String], tasks: [String], node: String) async throws {
        guard !keys.isEmpty else { return }
        _ = try await pool.run { connection in
            try connection.executePrepared(
                """
                insert into unseen_samples (job_id, key, task_name, node)
                select $1, k, t, $4 from unnest($2::text[], $3::text[]) as u (k, t)
                on conflict do nothing
                """,
                parameters: [.text(job), .textArray(keys), .textArray(tasks), .text(node)])
        }
    }

    /// Marks unseen samples labelled; returns the tasks of those labelled now for the first time.
    func markLabelled(_ job: String, keys: [String]) async throws -> (count: Int64, tasks: Set<String>) {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                """
                update unseen_samples set labelled = true
                where job_id = $1 and key = any($2::text[]) and not labelled
                returning task_name
                """,
                parameters: [.text(job), .textArray(keys)])
            let tasks = try (0..<result.rowCount).map { try result.string(row: $0, column: 0) ?? "" }
            return (Int64(tasks.count), Set(tasks.filter { !$0.isEmpty }))
        }
    }

    // MARK: Edges

    /// Registers or updates an edge node.
    func register(_ node: Lifelong_V1_EdgeNode, job: String) async throws {
        _ = try await pool.run { connection in
            try connection.executePrepared(
                """
                insert into edges (node, job_id, registration, snapshot_version) values ($1, $2, $3, $4)
                on conflict (node) do update set job_id = excluded.job_id, registration = excluded.registration,
                    snapshot_version = excluded.snapshot_version, last_seen = clock_timestamp()
                """,
                parameters: [.text(node.name), .text(job), .bytea(try node.serializedBytes()), .int8(node.snapshotVersion)])
        }
    }

    /// Records a heartbeat (registering the node when the gateway does not know it).
    func heartbeat(_ beat: Lifelong_V1_EdgeHeartbeat) async throws {
        var node = Lifelong_V1_EdgeNode()
        node.name = beat.node
        let registration = try node.serializedBytes()
        _ = try await pool.run { connection in
            try connection.executePrepared(
                """
                insert into edges (node, job_id, registration, snapshot_version, samples_inferred, samples_uploaded, samples_buffered)
                values ($1, $2, $7, $3, $4, $5, $6)
                on conflict (node) do update set job_id = $2, snapshot_version = $3, samples_inferred = $4, samples_uploaded = $5,
                    samples_buffered = $6, last_seen = clock_timestamp()
                """,
                parameters: [
                    .text(beat.node), .text(beat.jobId), .int8(beat.snapshotVersion), .int8(beat.samplesInferred),
                    .int8(beat.samplesUploaded), .int8(beat.samplesBuffered), .bytea(registration),
                ])
        }
    }

    /// The fleet (of one job, or all when `job` is empty), by node name; `latest_version` is
    /// left for the caller.
    func edges(job: String) async throws -> [Lifelong_V1_FleetEntry] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                """
                select registration, job_id, snapshot_version, samples_inferred, samples_uploaded, samples_buffered, last_seen
                from edges where $1 = '' or job_id = $1 order by node
                """,
                parameters: [.text(job)])
            return try (0..<result.rowCount).map { row in
                var entry = Lifelong_V1_FleetEntry()
                var node = try Lifelong_V1_EdgeNode(serializedBytes: try result.bytes(row: row, column: 0) ?? [])
                node.snapshotVersion = try result.int64(row: row, column: 2) ?? 0
                if case .timestamptz(let us) = try result.value(row: row, column: 6) { node.lastSeenUs = us }
                entry.node = node
                entry.jobId = try result.string(row: row, column: 1) ?? ""
                entry.samplesInferred = try result.int64(row: row, column: 3) ?? 0
                entry.samplesUploaded = try result.int64(row: row, column: 4) ?? 0
                entry.samplesBuffered = try result.int64(row: row, column: 5) ?? 0
                entry.samplesTransferRatio =
                    entry.samplesInferred > 0 ? Double(entry.samplesUploaded) / Double(entry.samplesInferred) : 0
                return entry
            }
        }
    }
}
