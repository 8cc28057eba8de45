import Dispatch
public import Logging
import Synchronization

/// Keeps one connection listening on a set of channels and fans notifications out to any
/// number of subscribers; reconnects (with backoff) when the connection is lost.
///
/// Notifications sent while the connection is down are lost, as PostgreSQL does not queue
/// them for absent listeners; subscribers learn about each (re)connection through
/// ``Event/listening`` and should re-read what they watch then.
public final class PostgresListener: Sendable {
    /// What a subscriber receives.
    public enum Event: Sendable, Hashable {
        /// The connection listens (again): anything sent before may have been missed.
        case listening
        /// A notification on one of the channels.
        case notification(PostgresNotification)
    }

    private let configuration: PostgresPoolConfiguration
    private let channels: [String]
    private let queue = DispatchQueue(label: "lifelong.postgres.listener")
    private let state = Mutex(State())

    private struct State {
        enum Phase { case idle, running, stopped }
        var phase = Phase.idle
        var isListening = false
        var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        var nextID = 0
    }

    private let logger: Logger

    /// Creates a listener; it connects when ``start()`` is called.
    /// - Parameters:
    ///   - configuration: The connection target and reconnect backoff (the pool size is unused).
    ///   - channels: The channels to listen on.
    ///   - logger: Where connection losses and reconnections are logged.
    public init(
        configuration: PostgresPoolConfiguration, channels: [String],
        logger: Logger = Logger(label: "lifelong.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    deinit {
        stop()
    }

    /// Starts the listening thread. Idempotent.
    public func start() {
        let shouldStart = state.withLock { state -> Bool in
            guard state.phase == .idle else { return false }
            state.phase = .running
            return true
        }
        if shouldStart { queue.async { self.loop() } }
    }

    /// Stops listening and finishes every subscriber's stream. Idempotent.
    public func stop() {
        let subscribers = state.withLock { state -> [AsyncStream<Event>.Continuation] in
            state.phase = .stopped
            defer { state.subscribers = [:] }
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    /// Whether the connection currently listens.
    public var isListening: Bool { state.withLock { $0.isListening } }

    /// A stream of events from now on; it begins with ``Event/listening`` when the
    /// connection already listens. It ends when the listener stops or the consumer drops it.
    public func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id: Int? = state.withLock { state in
            guard state.phase != .stopped else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            if state.isListening { continuation.yield(.listening) }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    private var isStopped: Bool { state.withLock { $0.phase == .stopped } }

    private func broadcast(_ event: Event) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for subscriber in subscribers { subscriber.yield(event) }
    }

    /// The listening thread: connect, listen, wait for notifications; on failure back off and
    /// start over, until stopped.
    private func loop() {
        var failures = 0
        while !isStopped {
            do {
                let connection = try PostgresConnection.connect(configuration.connection)
                defer { connection.close() }
                for channel in channels { try connection.listen(channel) }
                if failures > 0 {
                    logger.notice("listening again", metadata: ["postgres.channels": "\(channels)", "postgres.failures": "\(failures)"])
                }
                failures = 0
                state.withLock { $0.isListening = true }
                broadcast(.listening)
                while !isStopped {
                    for notification in try connection.waitForNotifications(timeout: .milliseconds(200)) {
                        broadcast(.notification(notification))
                    }
                }
            } catch {
                state.withLock { $0.isListening = false }
                failures += 1
                if failures == 1 {
                    logger.warning(
                        "listener connection lost; reconnecting",
                        metadata: ["postgres.channels": "\(channels)", "postgres.error": "\((error as? PostgresError)?.message ?? "\(error)")"])
                }
                let exponent = min(failures - 1, 16)
                var backoff = min(
                    configuration.minimumReconnectBackoff * (1 << exponent), configuration.maximumReconnectBackoff)
                // Sleep in short steps so stop() is honoured promptly.
                while backoff > .zero && !isStopped {
                    let step = min(backoff, .milliseconds(100))
                    Self.sleep(step)
                    backoff -= step
                }
            }
        }
        state.withLock { $0.isListening = false }
    }

    private static func sleep(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let group = DispatchGroup()
        group.enter()
        _ = group.wait(timeout: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
    }
}
