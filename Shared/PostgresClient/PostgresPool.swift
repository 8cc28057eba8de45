import Dispatch
public import Logging
import Synchronization

/// A bounded pool of PostgreSQL connections whose blocking libpq calls run on threads of
/// their own, never on the caller's (an event loop or Swift's cooperative pool).
///
/// Each connection lives in a *worker*: a serial dispatch queue that owns it. A caller leases
/// a worker (waiting while all ``PostgresPoolConfiguration/maximumConnections`` are leased),
/// runs closures on its queue, and gives it back. Connections are opened lazily, checked
/// before use after being idle or after another connection saw the server go away, replaced
/// after ``PostgresPoolConfiguration/maximumLifetime``, and reopened with exponential backoff
/// when the server is unreachable: meanwhile calls fail at once with a
/// ``PostgresError/Kind/connection`` error instead of queueing up.
///
/// ```swift
/// let pool = PostgresPool(configuration: .init(connection: try .fromEnvironment()))
/// let count = try await pool.run { try $0.execute("select count(*) from t").int64(row: 0, column: 0) }
/// try await pool.withTransaction { connection in try connection.execute("insert into t values (1)") }
/// ```
public final class PostgresPool: Sendable {
    /// The configuration the pool was made with.
    public let configuration: PostgresPoolConfiguration

    private let state: Mutex<State>
    private let health: Mutex<Health>
    private let waitTotals = Mutex(WaitTotals())
    private let logger: Logger

    private enum State {
        case running(Running)
        case shutDown
    }

    private struct Running {
        var idle: [PostgresWorker] = []
        var created = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
    }

    private struct Waiter {
        var id: Int
        var continuation: CheckedContinuation<PostgresWorker, any Error>
        var since: ContinuousClock.Instant
    }

    /// Callers that had to wait for a connection, and for how long in all.
    private struct WaitTotals {
        var waits = 0
        var waited = Duration.zero
    }

    /// Connection health shared by all workers: reconnect backoff, and a generation that
    /// grows whenever a connection is lost so idle ones get checked before use.
    struct Health {
        var consecutiveFailures = 0
        var retryAt: ContinuousClock.Instant?
        var lastFailure: String?
        var generation = 0
    }

    /// Creates a pool; no connection is opened until the first call.
    /// - Parameter configuration: Connection target, size and timings.
    /// - Parameter logger: Where unreachable-server periods and recoveries are logged.
    public init(
        configuration: PostgresPoolConfiguration,
        logger: Logger = Logger(label: "lifelong.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        precondition(configuration.maximumConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(.running(Running()))
        self.health = Mutex(Health())
    }

    deinit {
        close()
    }

    // MARK: Leasing

    /// Leases one connection for the duration of `body`, which may run several blocking
    /// steps on it with ``PostgresLease/run(_:)`` (a transaction that spans awaits, say).
    ///
    /// The lease must not escape `body`. A connection left inside a transaction is rolled
    /// back before its next use.
    /// - Parameter body: Uses the lease.
    /// - Returns: What `body` returns.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connection`` when the pool is
    ///   closed, `CancellationError` when the task is cancelled while waiting, or what `body`
    ///   throws.
    public func withConnection<T: Sendable>(_ body: (PostgresLease) async throws -> T) async throws -> T {
        let worker = try await acquire()
        defer { release(worker) }
        return try await body(PostgresLease(pool: self, worker: worker))
    }

    /// Runs one blocking closure on a leased connection.
    /// - Parameter body: Runs on the connection's thread.
    /// - Returns: What `body` returns.
    /// - Throws: As ``withConnection(_:)``.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { try await $0.run(body) }
    }

    /// Runs one statement on a leased connection, prepared once per connection.
    /// - Parameters:
    ///   - sql: The statement.
    ///   - parameters: Values of `$1`, `$2`, ….
    /// - Returns: The result.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ sql: String, parameters: [PostgresValue] = []) async throws -> PostgresResult {
        try await run { try $0.executePrepared(sql, parameters: parameters) }
    }

    /// Closes idle connections and fails waiting and later callers; leased connections close
    /// when they are released. Idempotent.
    public func close() {
        let (idle, waiters): ([PostgresWorker], [Waiter]) = state.withLock { state in
            guard case .running(let running) = state else { return ([], []) }
            state = .shutDown
            return (running.idle, running.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: Self.closedError) }
        for worker in idle { worker.closeConnection() }
    }

    /// A snapshot of the pool's state, for metrics and tests.
    public var statistics: Statistics {
        let (idle, created, waiting, closed): (Int, Int, Int, Bool) = state.withLock { state in
            switch state {
            case .running(let running): (running.idle.count, running.created, running.waiters.count, false)
            case .shutDown: (0, 0, 0, true)
            }
        }
        let failures = health.withLock { $0.consecutiveFailures }
        let totals = waitTotals.withLock { $0 }
        return Statistics(
            workers: created, idle: idle, waiting: waiting, consecutiveConnectFailures: failures, isClosed: closed,
            waits: totals.waits, waitedSeconds: Double(totals.waited.components.seconds)
                + Double(totals.waited.components.attoseconds) / 1e18)
    }

    /// Counts describing a pool at one moment.
    public struct Statistics: Sendable, Hashable {
        /// Workers created so far (at most ``PostgresPoolConfiguration/maximumConnections``).
        public var workers: Int
        /// Workers not leased.
        public var idle: Int
        /// Callers waiting for a worker.
        public var waiting: Int
        /// Failed connection attempts since the last successful one.
        public var consecutiveConnectFailures: Int
        /// Whether ``PostgresPool/close()`` was called.
        public var isClosed: Bool
        /// Callers that got a connection only after waiting for one, since the pool was made.
        public var waits: Int = 0
        /// The time those callers waited, in all.
        public var waitedSeconds: Double = 0
    }

    private static let closedError = PostgresError(
        kind: .connection, code: PostgresError.connectionFailure, message: "the connection pool is closed")

    private func acquire() async throws -> PostgresWorker {
        let waiterID = Mutex<Int?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<PostgresWorker, any Error>) in
                enum Outcome {
                    case worker(PostgresWorker)
                    case failure(any Error)
                    case wait
                }
                let outcome: Outcome = state.withLock { state in
                    guard case .running(var running) = state else { return .failure(Self.closedError) }
                    defer { state = .running(running) }
                    if let worker = running.idle.popLast() { return .worker(worker) }
                    if running.created < configuration.maximumConnections {
                        running.created += 1
                        return .worker(PostgresWorker(index: running.created))
                    }
                    // Checked under the lock: a cancellation handler that ran before this
                    // point found nothing to remove, one that runs after finds the waiter.
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let id = running.nextWaiterID
                    running.nextWaiterID += 1
                    running.waiters.append(Waiter(id: id, continuation: continuation, since: .now))
                    waiterID.withLock { $0 = id }
                    return .wait
                }
                switch outcome {
                case .worker(let worker): continuation.resume(returning: worker)
                case .failure(let error): continuation.resume(throwing: error)
                case .wait:
                    if let timeout = configuration.acquireTimeout, let id = waiterID.withLock({ $0 }) {
                        expireWaiter(id, after: timeout)
                    }
                }
            }
        } onCancel: {
            guard let id = waiterID.withLock({ $0 }) else { return }
            removeWaiter(id)?.continuation.resume(throwing: CancellationError())
        }
    }

    private static let timers = DispatchQueue(label: "lifelong.postgres-pool.acquire-timeouts")

    /// Takes a waiter out of the queue, if it is still waiting (it may have been served).
    private func removeWaiter(_ id: Int) -> Waiter? {
        state.withLock { state in
            guard case .running(var running) = state,
                let index = running.waiters.firstIndex(where: { $0.id == id })
            else { return nil }
            let waiter = running.waiters.remove(at: index)
            state = .running(running)
            return waiter
        }
    }

    /// Fails a waiter still waiting after `timeout` with a connection error naming the pool.
    private func expireWaiter(_ id: Int, after timeout: Duration) {
        // On a queue of the pool's own, not Swift's cooperative threads: those may all be busy
        // when a pool runs short, which is exactly when this timer must fire.
        let (seconds, attoseconds) = timeout.components
        let delay = DispatchTimeInterval.nanoseconds(Int(seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
        Self.timers.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self, let waiter = removeWaiter(id) else { return }
            let name = configuration.connection.applicationName ?? configuration.connection.host
            logger.warning(
                "no connection became free in time", metadata: ["postgres.pool": "\(name)", "postgres.acquire_timeout": "\(timeout)"])
            waiter.continuation.resume(
                throwing: PostgresError(
                    kind: .connection, code: PostgresError.poolTimeout,
                    message: "no connection of the PostgreSQL pool '\(name)' became free within \(timeout) "
                        + "(all \(configuration.maximumConnections) are in use)"))
        }
    }

    private func release(_ worker: PostgresWorker) {
        reset(worker)
        enum Outcome {
            case handOver(Waiter)
            case idle
            case close
        }
        let outcome: Outcome = state.withLock { state in
            guard case .running(var running) = state else { return .close }
            defer { state = .running(running) }
            if !running.waiters.isEmpty { return .handOver(running.waiters.removeFirst()) }
            running.idle.append(worker)
            return .idle
        }
        switch outcome {
        case .handOver(let waiter):
            let waited = ContinuousClock.now - waiter.since
            waitTotals.withLock { totals in
                totals.waits += 1
                totals.waited += waited
            }
            waiter.continuation.resume(returning: worker)
        case .idle: break
        case .close: worker.closeConnection()
        }
    }

    /// Before a worker is handed to its next user: a transaction its last user left open
    /// (cancelled half-way, say) is rolled back, on the worker's queue, so it runs before
    /// anything the next user runs there.
    private func reset(_ worker: PostgresWorker) {
        worker.queue.async {
            guard let connection = worker.connection, connection.transactionState != .idle else { return }
            if (try? connection.execute("rollback")) == nil { worker.discardConnection() }
        }
    }

    // MARK: Running on a worker

    func run<T: Sendable>(
        on worker: PostgresWorker, _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        let cancellation = RunCancellation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                worker.queue.async {
                    continuation.resume(with: Result { try self.runBlocking(on: worker, cancellation, body) })
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// On the worker's queue: makes sure it has a usable connection, then runs `body` —
    /// unless the task was cancelled before it could start.
    private func runBlocking<T>(
        on worker: PostgresWorker, _ cancellation: RunCancellation, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        let connection = try connection(of: worker)
        guard cancellation.begin(connection.cancelToken) else { throw CancellationError() }
        defer {
            cancellation.end()
            worker.lastUsed = .now
        }
        do {
            return try body(connection)
        } catch let error as PostgresError where error.kind == .connection {
            worker.discardConnection()
            health.withLock { $0.generation += 1 }
            throw error
        }
    }

    private func connection(of worker: PostgresWorker) throws -> PostgresConnection {
        let now = ContinuousClock.now
        let generation = health.withLock { $0.generation }
        if let connection = worker.connection {
            if !connection.isOpen || now - worker.connectedAt > configuration.maximumLifetime {
                worker.discardConnection()
            } else if worker.generation < generation || now - worker.lastUsed > configuration.idleCheckInterval {
                do {
                    try connection.execute("")
                    worker.generation = generation
                    return connection
                } catch {
                    worker.discardConnection()
                }
            } else {
                return connection
            }
        }
        return try connect(worker, generation: generation)
    }

    private func connect(_ worker: PostgresWorker, generation: Int) throws -> PostgresConnection {
        let now = ContinuousClock.now
        let waiting: (ContinuousClock.Instant, String)? = health.withLock { health in
            guard let retryAt = health.retryAt, retryAt > now else { return nil }
            return (retryAt, health.lastFailure ?? "unknown error")
        }
        if let (retryAt, reason) = waiting {
            throw PostgresError(
                kind: .connection, code: PostgresError.unableToConnect,
                message: "PostgreSQL is unreachable (next attempt in \(retryAt - now)): \(reason)")
        }
        do {
            let connection = try PostgresConnection.connect(configuration.connection)
            try applySessionSettings(connection)
            let recoveredAfter = health.withLock { health -> Int in
                defer {
                    health.consecutiveFailures = 0
                    health.retryAt = nil
                    health.lastFailure = nil
                }
                return health.consecutiveFailures
            }
            if recoveredAfter > 0 {
                logger.notice("PostgreSQL reachable again", metadata: ["postgres.failed_attempts": "\(recoveredAfter)"])
            }
            worker.connection = connection
            worker.connectedAt = .now
            worker.generation = generation
            return connection
        } catch {
            health.withLock { health in
                health.consecutiveFailures += 1
                let exponent = min(health.consecutiveFailures - 1, 16)
                let backoff = min(
                    configuration.minimumReconnectBackoff * (1 << exponent), configuration.maximumReconnectBackoff)
                health.retryAt = ContinuousClock.now + backoff
                health.lastFailure = (error as? PostgresError)?.message ?? "\(error)"
                health.generation += 1
            }
            logger.warning(
                "cannot connect to PostgreSQL; backing off",
                metadata: ["postgres.error": "\((error as? PostgresError)?.message ?? "\(error)")"])
            throw error
        }
    }

    private func applySessionSettings(_ connection: PostgresConnection) throws {
        for (name, timeout) in [
            ("statement_timeout", configuration.statementTimeout),
            ("idle_in_transaction_session_timeout", configuration.idleInTransactionTimeout),
        ] {
            guard let timeout else { continue }
            let (seconds, attoseconds) = timeout.components
            let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
            try connection.execute("select set_config($1, $2, false)", parameters: [.text(name), .text("\(milliseconds)")])
        }
        for (name, value) in configuration.sessionSettings.sorted(by: { $0.key < $1.key }) {
            try connection.execute("select set_config($1, $2, false)", parameters: [.text(name), .text(value)])
        }
    }
}

/// A connection leased from a ``PostgresPool`` for the duration of
/// ``PostgresPool/withConnection(_:)``; do not keep it beyond.
public struct PostgresLease: Sendable {
    let pool: PostgresPool
    let worker: PostgresWorker

    /// Runs a blocking closure on the leased connection, on the connection's own thread. If the
    /// task is cancelled while it runs, the running statement is cancelled on the server (it
    /// then fails with SQLSTATE 57014); if the task is cancelled before the closure starts, the
    /// closure does not run and `CancellationError` is thrown. (A transaction left open that
    /// way is rolled back when the lease ends.)
    /// - Parameter body: Runs on the connection's thread.
    /// - Returns: What `body` returns.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connection`` when no
    ///   connection can be made, or what `body` throws.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.run(on: worker, body)
    }
}

/// Where one ``PostgresLease/run(_:)`` stands, for its cancellation handler (which runs on
/// whatever thread cancels the task — a NIO event loop, say): a cancellation before the
/// closure starts skips it, one while it runs cancels the statement on the server, one after
/// it does nothing.
///
/// Two rules make that hold:
/// - `PQcancel` opens a socket to the server and waits for it to take the request, so it never
///   runs on the cancelling thread: requests are sent from ``queue``, a queue of their own.
/// - A request is bound to the run it was meant for. It is sent while holding this run's lock,
///   and only while the run is still ``Phase/running``; ``end()`` takes the same lock, and the
///   worker starts the next caller's closure only after `end()` returned. `PQcancel` returns
///   once the server processed the request, so a late cancel either went out before this run
///   ended (hitting this run's statement, or none) or is not sent at all — it never reaches
///   the statement of the next caller that got the same connection.
///
/// A cancel request cancels only the statement running at that moment; one that lands between
/// `begin` and the closure's first statement would be lost. So while the closure runs, the
/// request is repeated every ``retryInterval`` (up to ``maximumAttempts`` times).
final class RunCancellation: Sendable {
    private enum Phase {
        case waiting
        case running(PostgresCancelToken?)
        case cancelled
        case finished
    }

    /// Time between repeated cancel requests.
    static let retryInterval: DispatchTimeInterval = .milliseconds(100)
    /// Cancel requests sent at most for one run.
    static let maximumAttempts = 100
    /// Where cancel requests are sent from: never an event loop or Swift's cooperative pool.
    static let queue = DispatchQueue(label: "lifelong.postgres.cancel", attributes: .concurrent)

    private let phase = Mutex(Phase.waiting)

    /// Called on the worker before the closure; false when the task was cancelled already.
    func begin(_ token: PostgresCancelToken?) -> Bool {
        phase.withLock { phase in
            guard case .waiting = phase else { return false }
            phase = .running(token)
            return true
        }
    }

    /// Called on the worker after the closure; waits for a cancel request being sent.
    func end() {
        phase.withLock { $0 = .finished }
    }

    /// Called by the task's cancellation handler, on any thread; does not block.
    func cancel() {
        let send: Bool = phase.withLock { phase in
            switch phase {
            case .waiting:
                phase = .cancelled
                return false
            case .running(let token):
                return token != nil
            case .cancelled, .finished:
                return false
            }
        }
        if send { Self.queue.async { self.sendCancel(attemptsLeft: Self.maximumAttempts) } }
    }

    private func sendCancel(attemptsLeft: Int) {
        dispatchPrecondition(condition: .onQueue(Self.queue))
        let sent: Bool = phase.withLock { phase in
            guard case .running(let token?) = phase else { return false }
            // Under the lock: this run cannot end, so the connection cannot pass to its next
            // user, until the server has the request.
            token.cancel()
            return true
        }
        guard sent, attemptsLeft > 1 else { return }
        Self.queue.asyncAfter(deadline: .now() + Self.retryInterval) { self.sendCancel(attemptsLeft: attemptsLeft - 1) }
    }
}

/// One slot of a pool: a serial queue and the connection it owns.
///
/// `@unchecked Sendable`: `connection`, `connectedAt`, `lastUsed` and `generation` are only
/// touched on `queue`, by the one task that leases the worker.
final class PostgresWorker: @unchecked Sendable {
    let queue: DispatchQueue
    var connection: PostgresConnection?
    var connectedAt: ContinuousClock.Instant = .now
    var lastUsed: ContinuousClock.Instant = .now
    var generation = 0

    init(index: Int) {
        queue = DispatchQueue(label: "lifelong.postgres.worker.\(index)")
    }

    func discardConnection() {
        connection?.close()
        connection = nil
    }

    func closeConnection() {
        queue.async { self.discardConnection() }
    }
}
