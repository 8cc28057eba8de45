#if canImport(Glibc)
import Glibc
#endif
import JobQueue
import LifelongProto
import PostgresClient

/// The training service's own rows beside the queue's: run records, progress events,
/// artifacts passed between units, and task outcomes. Speaks in domain types.
struct RunStore: Sendable {
    let pool: PostgresPool
    let queue: JobQueue

    /// A run's record.
    struct Record: Sendable {
        var jobID: String
        var baseVersion: Int64
        var publishedVersion: Int64
        var createdAtUs: Int64
    }

    // MARK: Runs

    /// Enqueues a run with its record and first event, or finds the run its request id made.
    func create(_ spec: QueueRunSpec, job: String, baseVersion: Int64, queued: Lifelong_V1_JobProgressEvent) async throws
        -> EnqueueOutcome
    {
        let queueName = queue.queue
        return try await pool.withTransaction { connection in
            let outcome = try JobQueue.enqueue(spec, queue: queueName, on: connection)
            guard case .created(let id) = outcome else { return outcome }
            try connection.executePrepared(
                "insert into training_runs (run_id, job_id, base_version) values ($1, $2, $3)",
                parameters: [.text(id), .text(job), .int8(baseVersion)])
            _ = try Self.append(queued, run: id, on: connection)
            return outcome
        }
    }

    func record(_ run: String) async throws -> Record? {
        try await pool.run { try Self.record(run, on: $0) }
    }

    static func record(_ run: String, on connection: PostgresConnection) throws -> Record? {
        let result = try connection.executePrepared(
            """
            select job_id, base_version, published_version, created_at from training_runs where run_id = $1
            """,
            parameters: [.text(run)])
        guard result.rowCount == 1 else { return nil }
        let created: Int64
        if case .timestamptz(let us) = try result.value(row: 0, column: "created_at") { created = us } else { created = 0 }
        return Record(
            jobID: try result.string(row: 0, column: "job_id") ?? "",
            baseVersion: try result.int64(row: 0, column: "base_version") ?? 0,
            publishedVersion: try result.int64(row: 0, column: "published_version") ?? 0, createdAtUs: created)
    }

    /// Everything a view of a run shows, read at one instant.
    struct RunState: Sendable {
        var record: Record
        var queued: QueueRun
        var outcomes: [Lifelong_V1_TrainingTaskOutcome]
        /// The tasks the publication kept from the base snapshot (its `kept` artifact); nil
        /// when the run published nothing.
        var kept: [UInt8]?
    }

    /// A run's record, queue state, outcomes and kept tasks in one repeatable-read transaction:
    /// the publication completes the run and records its version in one transaction, so a
    /// view never shows a completed run without its published version (separate reads could
    /// straddle that commit).
    /// - Returns: nil when no such run exists.
    func state(_ run: String) async throws -> RunState? {
        try await pool.withTransaction(isolation: .repeatableRead) { connection in
            guard let record = try Self.record(run, on: connection), let queued = try JobQueue.run(run, on: connection) else {
                return nil
            }
            return RunState(
                record: record, queued: queued, outcomes: try Self.outcomes(run, on: connection).map(\.outcome),
                kept: record.publishedVersion > 0 ? try Self.artifact("kept", run: run, on: connection) : nil)
        }
    }

    /// Ids of runs, newest first: of one job (or all when empty), created before `before` (a
    /// run id; none when empty).
    func runIDs(job: String, before: String, limit: Int) async throws -> [String] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                """
                select run_id from training_runs
                where ($1 = '' or job_id = $1)
                    and ($2 = '' or (created_at, run_id) < (select created_at, run_id from training_runs where run_id = $2))
                order by created_at desc, run_id desc
                limit $3
                """,
                parameters: [.text(job), .text(before), .int8(Int64(limit))])
            return try (0..<result.rowCount).map { try result.string(row: $0, column: "run_id") ?? "" }
        }
    }

    /// The newest sample sequence trained on by the run that published `version` of `job`.
    func trainedThrough(job: String, version: Int64) async throws -> Int64? {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select max(trained_through) as through from training_runs where job_id = $1 and published_version = $2",
                parameters: [.text(job), .int8(version)])
            return try result.int64(row: 0, column: "through")
        }
    }

    /// Records what the run published.
    static func setPublished(_ run: String, version: Int64, trainedThrough: Int64, on connection: PostgresConnection) throws {
        try connection.executePrepared(
            "update training_runs set published_version = $2, trained_through = $3 where run_id = $1",
            parameters: [.text(run), .int8(version), .int8(trainedThrough)])
    }

    // MARK: Events

    /// Appends an event under the run's row lock, numbered after the run's last one; while the
    /// run is open, unless `afterEnd` (the event that reports its end).
    /// - Returns: false when the run had ended (or does not exist): nothing was written.
    static func append(
        _ event: Lifelong_V1_JobProgressEvent, run: String, afterEnd: Bool = false, on connection: PostgresConnection
    ) throws -> Bool {
        let locked = try connection.executePrepared(
            "select state from queue_runs where run_id = $1 for update", parameters: [.text(run)])
        guard locked.rowCount == 1 else { return false }
        let state = QueueRunState(rawValue: try locked.string(row: 0, column: "state") ?? "") ?? .failed
        guard afterEnd || !state.isFinished else { return false }
        let last = try connection.executePrepared(
            "select coalesce(max(sequence), 0) as last from training_events where run_id = $1", parameters: [.text(run)])
        var event = event
        event.runId = run
        event.sequence = (try last.int64(row: 0, column: "last") ?? 0) + 1
        if event.atUs == 0 { event.atUs = Clock.nowUs() }
        try connection.executePrepared(
            "insert into training_events (run_id, sequence, event) values ($1, $2, $3)",
            parameters: [.text(run), .int8(event.sequence), .bytea(try event.serializedBytes())])
        return true
    }

    /// ``append(_:run:afterEnd:on:)`` in a transaction of its own.
    @discardableResult
    func append(_ event: Lifelong_V1_JobProgressEvent, run: String) async throws -> Bool {
        try await pool.withTransaction { try Self.append(event, run: run, on: $0) }
    }

    /// The run's events after `sequence`, in order.
    func events(_ run: String, after sequence: Int64, limit: Int = 500) async throws -> [Lifelong_V1_JobProgressEvent] {
        try await pool.run { connection in
            let result = try connection.executePrepared(
                "select event from training_events where run_id = $1 and sequence > $2 order by sequence limit $3",
                parameters: [.text(run), .int8(sequence), .int8(Int64(limit))])
            return try (0..<result.rowCount).map {
                try Lifelong_V1_JobProgressEvent(serializedBytes: try result.bytes(row: $0, column: "event") ?? [])
            }
        }
    }

    // MARK: Artifacts

    static func putArtifact(_ name: String, run: String, content: [UInt8], on connection: PostgresConnection) throws {
        try connection.executePrepared(
            """
            insert into training_artifacts (run_id, name, content) values ($1, $2, $3)
            on conflict (run_id, name) do update set content = excluded.content
            """,
            parameters: [.text(run), .text(name), .bytea(content)])
    }

    func putArtifact(_ name: String, run: String, content: [UInt8]) async throws {
        try await pool.run { try Self.putArtifact(name, run: run, content: content, on: $0) }
    }

    func artifact(_ name: String, run: String) async throws -> [UInt8]? {
        try await pool.run { try Self.artifact(name, run: run, on: $0) }
    }

    static func artifact(_ name: String, run: String, on connection: PostgresConnection) throws -> [UInt8]? {
        let result = try connection.executePrepared(
            "select content from training_artifacts where run_id = $1 and name = $2", parameters: [.text(run), .text(name)])
        return result.rowCount == 1 ? try result.bytes(row: 0, column: "content") : nil
    }

    // MARK: Outcomes

    static func putOutcome(
        _ outcome: Lifelong_V1_TrainingTaskOutcome, taskSnapshot: [UInt8]?, run: String, on connection: PostgresConnection
    ) throws {
        try connection.executePrepared(
            """
            insert into training_outcomes (run_id, task_name, kind, outcome, task_snapshot) values ($1, $2, $3, $4, $5)
            on conflict (run_id, task_name) do update
                set kind = excluded.kind, outcome = excluded.outcome, task_snapshot = excluded.task_snapshot
            """,
            parameters: [
                .text(run), .text(outcome.taskName), .int8(Int64(outcome.kind.rawValue)), .bytea(try outcome.serializedBytes()),
                taskSnapshot.map { .bytea($0) } ?? .null,
            ])
    }

    /// The run's task outcomes by task name, with the one-task snapshots of accepted models.
    func outcomes(_ run: String) async throws -> [(outcome: Lifelong_V1_TrainingTaskOutcome, taskSnapshot: [UInt8]?)] {
        try await pool.run { try Self.outcomes(run, on: $0) }
    }

    static func outcomes(
        _ run: String, on connection: PostgresConnection
    ) throws -> [(outcome: Lifelong_V1_TrainingTaskOutcome, taskSnapshot: [UInt8]?)] {
        let result = try connection.executePrepared(
            "select outcome, task_snapshot from training_outcomes where run_id = $1 order by task_name",
            parameters: [.text(run)])
        return try (0..<result.rowCount).map { row in
            (
                try Lifelong_V1_TrainingTaskOutcome(serializedBytes: try result.bytes(row: row, column: "outcome") ?? []),
                try result.bytes(row: row, column: "task_snapshot")
            )
        }
    }
}

/// Wall-clock time for event and record stamps (never for decisions).
enum Clock {
    static func nowUs() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1_000
    }
}
