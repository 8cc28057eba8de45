public import PostgresClient

/// A job queue in PostgreSQL, in the manner of River, Oban and graphile-worker: runs made of
/// units of work, claimed with `FOR UPDATE SKIP LOCKED` under a lease that the worker renews.
///
/// - A unit is claimable when it is available (and its retry time has come) or when its lease
///   expired: a worker that dies loses its units to the next worker that asks.
/// - Units of a run are ordered by stage: a unit waits until every unit of the lower stages
///   has finished (a shared first step, then per-task units, then a final one).
/// - Every claim counts an attempt; the attempt number fences the lease, so a worker whose
///   lease was taken over can no longer renew, complete or fail the unit.
/// - A cancelled run's units are never claimed again, and its workers learn it when they renew.
///
/// The tables (``JobQueueMigrations``) live in the schema of the pool's `search_path`;
/// `queue` separates several queues in one schema. Every operation has a form that runs on
/// a connection inside the caller's transaction, so a service can commit a unit's outcome and
/// its own rows together.
public struct JobQueue: Sendable {
    /// The pool.
    public let pool: PostgresPool
    /// The queue's name.
    public let queue: String

    /// Creates a queue over a pool whose `search_path` holds the queue's tables.
    public init(pool: PostgresPool, queue: String) {
        self.pool = pool
        self.queue = queue
    }

    // MARK: Runs

    /// Stores a run and its units, or finds the run its request id made before.
    /// - Returns: Whether the run was created now or existed.
    /// - Throws: ``JobQueueError`` `.requestIDReused` when the id made a run of another
    ///   request (digest); ``PostgresError``.
    public func enqueue(_ run: QueueRunSpec) async throws -> EnqueueOutcome {
        let queue = self.queue
        return try await pool.withTransaction { try Self.enqueue(run, queue: queue, on: $0) }
    }

    /// ``enqueue(_:)`` inside the caller's transaction.
    public static func enqueue(_ run: QueueRunSpec, queue: String, on connection: PostgresConnection) throws -> EnqueueOutcome {
        let inserted = try connection.executePrepared(
            """
            insert into queue_runs (run_id, queue, request_id, request_digest, payload, state)
            values ($1, $2, $3, $4, $5, 'running')
            on conflict (queue, request_id) do nothing
            returning run_id
            """,
            parameters: [
                .text(run.id), .text(queue), run.requestID.map { .text($0) } ?? .null, .text(run.requestDigest),
                .bytea(run.payload),
            ])
        guard inserted.rowCount == 1 else {
            let existing = try connection.executePrepared(
                "select run_id, request_digest from queue_runs where queue = $1 and request_id = $2",
                parameters: [.text(queue), .text(run.requestID ?? "")])
            guard existing.rowCount == 1, let id = try existing.string(row: 0, column: "run_id") else {
                throw JobQueueError(.unknownRun, "the request id's run vanished")
            }
            guard try existing.string(row: 0, column: "request_digest") == run.requestDigest else {
                throw JobQueueError(.requestIDReused, "request id '\(run.requestID ?? "")' was used for another request")
            }
            return .existing(id)
        }
        try addUnits(run.units, run: run.id, on: connection)
        return .created(run.id)
    }

    /// Adds units to a run inside the caller's transaction: a unit of an early stage may plan
    /// the later ones (a planning unit adds one unit per task before it completes).
    public static func addUnits(_ units: [QueueUnitSpec], run: String, on connection: PostgresConnection) throws {
        for unit in units {
            try connection.executePrepared(
                """
                insert into queue_units (run_id, unit, stage, state, max_attempts, payload)
                values ($1, $2, $3, 'available', $4, $5)
                on conflict (run_id, unit) do nothing
                """,
                parameters: [
                    .text(run), .text(unit.name), .int8(Int64(unit.stage)), .int8(Int64(unit.maxAttempts)),
                    .bytea(unit.payload),
                ])
        }
    }

    /// A run with its units; nil when unknown.
    public func run(_ id: String) async throws -> QueueRun? {
        try await pool.run { try Self.run(id, on: $0) }
    }

    /// ``run(_:)`` on a connection.
    public static func run(_ id: String, on connection: PostgresConnection) throws -> QueueRun? {
        let runs = try connection.executePrepared(
            "select state, error, payload from queue_runs where run_id = $1", parameters: [.text(id)])
        guard runs.rowCount == 1 else { return nil }
        let units = try connection.executePrepared(
            """
            select unit, stage, state, attempts, worker_id, result, error from queue_units
            where run_id = $1 order by stage, unit
            """,
            parameters: [.text(id)])
        return QueueRun(
            id: id, state: try runState(runs, row: 0), error: try runs.string(row: 0, column: "error") ?? "",
            payload: try runs.bytes(row: 0, column: "payload") ?? [],
            units: try (0..<units.rowCount).map { row in
                QueueUnit(
                    name: try units.string(row: row, column: "unit") ?? "",
                    stage: Int(try units.int64(row: row, column: "stage") ?? 0),
                    state: QueueUnitState(rawValue: try units.string(row: row, column: "state") ?? "") ?? .failed,
                    attempts: Int(try units.int64(row: row, column: "attempts") ?? 0),
                    workerID: try units.string(row: row, column: "worker_id"),
                    result: try units.bytes(row: row, column: "result"),
                    error: try units.string(row: row, column: "error") ?? "")
            })
    }

    /// Ids of the runs of this queue in a state, oldest first.
    public func runs(in state: QueueRunState) async throws -> [String] {
        let queue = self.queue
        return try await pool.run { connection in
            let result = try connection.executePrepared(
                "select run_id from queue_runs where queue = $1 and state = $2 order by created_at, run_id",
                parameters: [.text(queue), .text(state.rawValue)])
            return try (0..<result.rowCount).map { try result.string(row: $0, column: "run_id") ?? "" }
        }
    }

    /// Cancels a running run: its open units are cancelled and never claimed again; workers
    /// holding one learn it when they renew. Cancelling a cancelled run changes nothing.
    /// - Returns: The run's state afterwards (``QueueRunState/cancelled``).
    /// - Throws: ``JobQueueError`` `.unknownRun`, or `.invalidState` when the run is
    ///   committing or has finished otherwise.
    @discardableResult
    public func cancel(_ id: String) async throws -> QueueRunState {
        try await pool.withTransaction { try Self.cancel(id, on: $0) }
    }

    /// ``cancel(_:)`` inside the caller's transaction.
    public static func cancel(_ id: String, on connection: PostgresConnection) throws -> QueueRunState {
        let locked = try connection.executePrepared(
            "select state from queue_runs where run_id = $1 for update", parameters: [.text(id)])
        guard locked.rowCount == 1 else { throw JobQueueError(.unknownRun, "no run '\(id)'") }
        let state = try runState(locked, row: 0)
        switch state {
        case .cancelled: return .cancelled
        case .running: break
        case .committing, .completed, .failed:
            throw JobQueueError(.invalidState, "run '\(id)' is \(state.rawValue); it can no longer be cancelled")
        }
        try connection.executePrepared(
            "update queue_runs set state = 'cancelled', updated_at = clock_timestamp() where run_id = $1",
            parameters: [.text(id)])
        try cancelOpenUnits(of: id, on: connection)
        return .cancelled
    }

    /// Cancels the units of a run that have not finished (after the run ended otherwise).
    public static func cancelOpenUnits(of id: String, on connection: PostgresConnection) throws {
        try connection.executePrepared(
            """
            update queue_units set state = 'cancelled', leased_until = null, updated_at = clock_timestamp()
            where run_id = $1 and state in ('available', 'running')
            """,
            parameters: [.text(id)])
    }

    /// Ends a run that is running or committing.
    /// - Returns: Whether the run was ended now (false: it had already ended).
    @discardableResult
    public static func finish(
        _ id: String, as state: QueueRunState, error: String = "", on connection: PostgresConnection
    ) throws -> Bool {
        precondition(state.isFinished, "a run finishes as completed, failed or cancelled")
        let result = try connection.executePrepared(
            """
            update queue_runs set state = $2, error = $3, updated_at = clock_timestamp()
            where run_id = $1 and state in ('running', 'committing')
            """,
            parameters: [.text(id), .text(state.rawValue), .text(error)])
        return result.affectedRows == 1
    }

    /// Marks the run of a unit the caller holds as committing its result: from now on it can
    /// no longer be cancelled. Takes the run's row lock, so it orders with ``cancel(_:)``.
    /// - Returns: false when the run was cancelled (or the lease lost): commit nothing.
    public func beginCommit(_ unit: ClaimedUnit) async throws -> Bool {
        try await pool.withTransaction { connection in
            let run = try connection.executePrepared(
                """
                update queue_runs set state = 'committing', updated_at = clock_timestamp()
                where run_id = $1 and state in ('running', 'committing')
                returning run_id
                """,
                parameters: [.text(unit.runID)])
            guard run.rowCount == 1 else { return false }
            return try Self.holds(unit, on: connection)
        }
    }

    /// The units of this queue's open runs (running or committing) that are available or running.
    public func depth() async throws -> QueueDepth {
        let queue = self.queue
        return try await pool.run { connection in
            let counted = try connection.executePrepared(
                """
                select u.state, count(*) as units
                from queue_units u join queue_runs r on r.run_id = u.run_id
                where r.queue = $1 and r.state in ('running', 'committing') and u.state in ('available', 'running')
                group by u.state
                """,
                parameters: [.text(queue)])
            var depth = QueueDepth()
            for row in 0..<counted.rowCount {
                let units = Int(try counted.int64(row: row, column: "units") ?? 0)
                if try counted.string(row: row, column: "state") == QueueUnitState.running.rawValue {
                    depth.running = units
                } else {
                    depth.available = units
                }
            }
            return depth
        }
    }

    // MARK: Units

    /// Claims the next claimable unit of this queue for `worker`, leased for `lease`: the
    /// oldest run first, lower stages first. A unit whose lease expired is taken over (and
    /// reported in ``ClaimedUnit/previousWorkerID``); one whose lease expired on its last
    /// attempt fails instead.
    /// - Returns: The claimed unit, or nil when none is claimable now.
    public func claim(worker: String, lease: Duration) async throws -> ClaimedUnit? {
        let queue = self.queue
        return try await pool.withTransaction { connection in
            try connection.executePrepared(
                """
                update queue_units u set state = 'failed', leased_until = null, updated_at = clock_timestamp(),
                    error = 'the lease expired on the last of ' || u.max_attempts || ' attempts'
                from queue_runs r
                where r.run_id = u.run_id and r.queue = $1 and u.state = 'running'
                    and u.leased_until < clock_timestamp() and u.attempts >= u.max_attempts
                """,
                parameters: [.text(queue)])
            let claimed = try connection.executePrepared(
                """
                with candidate as (
                    select u.run_id, u.unit, u.state as previous_state, u.worker_id as previous_worker
                    from queue_units u join queue_runs r on r.run_id = u.run_id
                    where r.queue = $1 and r.state in ('running', 'committing') and u.attempts < u.max_attempts
                        and ((u.state = 'available' and u.available_at <= clock_timestamp())
                            or (u.state = 'running' and u.leased_until < clock_timestamp()))
                        and not exists (
                            select 1 from queue_units p
                            where p.run_id = u.run_id and p.stage < u.stage and p.state in ('available', 'running'))
                    order by r.created_at, u.run_id, u.stage, u.unit
                    limit 1
                    for update of u skip locked)
                update queue_units u
                set state = 'running', worker_id = $2, attempts = u.attempts + 1,
                    leased_until = clock_timestamp() + make_interval(secs => $3), updated_at = clock_timestamp()
                from candidate c
                where u.run_id = c.run_id and u.unit = c.unit
                returning u.run_id, u.unit, u.stage, u.attempts, u.payload, c.previous_state, c.previous_worker,
                    (select r.payload from queue_runs r where r.run_id = u.run_id) as run_payload
                """,
                parameters: [.text(queue), .text(worker), .float8(lease.seconds)])
            guard claimed.rowCount == 1 else { return nil }
            let takeover = try claimed.string(row: 0, column: "previous_state") == QueueUnitState.running.rawValue
            return ClaimedUnit(
                runID: try claimed.string(row: 0, column: "run_id") ?? "",
                name: try claimed.string(row: 0, column: "unit") ?? "",
                stage: Int(try claimed.int64(row: 0, column: "stage") ?? 0),
                attempt: Int(try claimed.int64(row: 0, column: "attempts") ?? 0), workerID: worker,
                previousWorkerID: takeover ? try claimed.string(row: 0, column: "previous_worker") : nil,
                payload: try claimed.bytes(row: 0, column: "payload") ?? [],
                runPayload: try claimed.bytes(row: 0, column: "run_payload") ?? [])
        }
    }

    /// Extends the lease of a unit the caller holds.
    /// - Returns: ``LeaseStatus/held`` when extended; `.cancelled` when its run was cancelled;
    ///   `.lost` when another worker took it over or it finished.
    public func renew(_ unit: ClaimedUnit, lease: Duration) async throws -> LeaseStatus {
        try await pool.run { connection in
            let renewed = try connection.executePrepared(
                """
                update queue_units set leased_until = clock_timestamp() + make_interval(secs => $5),
                    updated_at = clock_timestamp()
                where run_id = $1 and unit = $2 and attempts = $3 and worker_id = $4 and state = 'running'
                """,
                parameters: [.text(unit.runID), .text(unit.name), .int8(Int64(unit.attempt)), .text(unit.workerID),
                             .float8(lease.seconds)])
            if renewed.affectedRows == 1 { return .held }
            let run = try connection.executePrepared(
                "select state from queue_runs where run_id = $1", parameters: [.text(unit.runID)])
            guard run.rowCount == 1 else { return .lost }
            return try Self.runState(run, row: 0) == .cancelled ? .cancelled : .lost
        }
    }

    /// Completes a unit the caller holds.
    /// - Returns: false when the lease was lost (nothing changed).
    public func complete(_ unit: ClaimedUnit, result: [UInt8] = []) async throws -> Bool {
        try await pool.withTransaction { try Self.complete(unit, result: result, on: $0) }
    }

    /// ``complete(_:result:)`` inside the caller's transaction.
    public static func complete(_ unit: ClaimedUnit, result: [UInt8] = [], on connection: PostgresConnection) throws -> Bool {
        let updated = try connection.executePrepared(
            """
            update queue_units set state = 'completed', result = $5, leased_until = null, error = '',
                updated_at = clock_timestamp()
            where run_id = $1 and unit = $2 and attempts = $3 and worker_id = $4 and state = 'running'
            """,
            parameters: [.text(unit.runID), .text(unit.name), .int8(Int64(unit.attempt)), .text(unit.workerID), .bytea(result)])
        return updated.affectedRows == 1
    }

    /// Reports a failed attempt of a unit the caller holds: it becomes claimable again after
    /// `retryAfter` while attempts remain, else (or when `permanent`) it fails for good.
    /// - Returns: false when the lease was lost (nothing changed).
    public func fail(_ unit: ClaimedUnit, error: String, retryAfter: Duration = .zero, permanent: Bool = false) async throws -> Bool {
        try await pool.run { connection in
            let updated = try connection.executePrepared(
                """
                update queue_units set
                    state = case when $7 or attempts >= max_attempts then 'failed' else 'available' end,
                    available_at = clock_timestamp() + make_interval(secs => $6), error = $5, leased_until = null,
                    updated_at = clock_timestamp()
                where run_id = $1 and unit = $2 and attempts = $3 and worker_id = $4 and state = 'running'
                """,
                parameters: [.text(unit.runID), .text(unit.name), .int8(Int64(unit.attempt)), .text(unit.workerID),
                             .text(error), .float8(retryAfter.seconds), .bool(permanent)])
            return updated.affectedRows == 1
        }
    }

    /// Gives back a unit the caller holds without counting the attempt (a worker shutting
    /// down): it is claimable again at once. The caller must write nothing more for it.
    /// - Returns: false when the lease was lost (nothing changed).
    public func release(_ unit: ClaimedUnit) async throws -> Bool {
        try await pool.run { connection in
            let updated = try connection.executePrepared(
                """
                update queue_units set state = 'available', attempts = attempts - 1, leased_until = null,
                    available_at = clock_timestamp(), updated_at = clock_timestamp()
                where run_id = $1 and unit = $2 and attempts = $3 and worker_id = $4 and state = 'running'
                """,
                parameters: [.text(unit.runID), .text(unit.name), .int8(Int64(unit.attempt)), .text(unit.workerID)])
            return updated.affectedRows == 1
        }
    }

    /// Whether the caller still holds the unit's lease (inside the caller's transaction,
    /// the unit's row locked until it ends).
    public static func holds(_ unit: ClaimedUnit, on connection: PostgresConnection) throws -> Bool {
        let held = try connection.executePrepared(
            """
            select 1 from queue_units
            where run_id = $1 and unit = $2 and attempts = $3 and worker_id = $4 and state = 'running'
            for update
            """,
            parameters: [.text(unit.runID), .text(unit.name), .int8(Int64(unit.attempt)), .text(unit.workerID)])
        return held.rowCount == 1
    }

    static func runState(_ result: PostgresResult, row: Int) throws -> QueueRunState {
        let text = try result.string(row: row, column: "state") ?? ""
        guard let state = QueueRunState(rawValue: text) else {
            throw PostgresError(kind: .decoding, message: "unknown run state '\(text)'")
        }
        return state
    }
}

extension Duration {
    /// The duration in seconds, as a float.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
