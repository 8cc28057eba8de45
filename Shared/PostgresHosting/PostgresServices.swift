public import ServiceHost
import Dispatch
public import PostgresClient
public import ServiceLifecycle
import Synchronization

/// A PostgreSQL pool as a service: nothing to start (connections open lazily); closed when
/// the group shuts down. Put it first in the group so it closes last, after the server drained.
public struct PostgresPoolService: Service, CustomStringConvertible {
    public var description: String { "PostgresPool" }

    private let pool: PostgresPool

    /// Wraps a pool.
    public init(_ pool: PostgresPool) {
        self.pool = pool
    }

    public func run() async throws {
        try? await gracefulShutdown()
        pool.close()
    }
}

/// A LISTEN/NOTIFY listener as a service: listening while the group runs.
public struct PostgresListenerService: Service, CustomStringConvertible {
    public var description: String { "PostgresListener" }

    private let listener: PostgresListener

    /// Wraps a listener.
    public init(_ listener: PostgresListener) {
        self.listener = listener
    }

    public func run() async throws {
        listener.start()
        try? await gracefulShutdown()
        listener.stop()
    }
}

/// Whether PostgreSQL answers `select 1`, on a connection of the probe's own (opened again
/// when lost), on a thread of its own: never behind a busy pool, never on an event loop or
/// Swift's cooperative threads. A check still running when the next one is asked for
/// counts as unreachable.
public final class PostgresReachabilityProbe: Sendable {
    private let configuration: PostgresConfiguration
    private let queue = DispatchQueue(label: "lifelong.postgres-probe")
    private let connection = Mutex<PostgresConnection?>(nil)
    private let busy = Mutex(false)

    /// Creates the probe.
    /// - Parameter configuration: Where PostgreSQL is; a connect timeout of 2 s is used when none is set.
    public init(configuration: PostgresConfiguration) {
        var configuration = configuration
        if configuration.connectTimeout == nil { configuration.connectTimeout = .seconds(2) }
        if configuration.applicationName == nil { configuration.applicationName = "lifelong-health" }
        self.configuration = configuration
    }

    /// The probe for a ``DependencyMonitor``.
    public var probe: DependencyProbe {
        DependencyProbe(name: "postgres") { await self.check() }
    }

    /// Runs one check.
    public func check() async -> Bool {
        let started = busy.withLock { busy -> Bool in
            guard !busy else { return false }
            busy = true
            return true
        }
        guard started else { return false }
        return await withCheckedContinuation { continuation in
            queue.async {
                let reachable = self.checkBlocking()
                self.busy.withLock { $0 = false }
                continuation.resume(returning: reachable)
            }
        }
    }

    private func checkBlocking() -> Bool {
        connection.withLock { connection in
            do {
                if connection == nil || connection?.isOpen == false {
                    connection = try PostgresConnection.connect(configuration)
                }
                try connection?.execute("select 1")
                return true
            } catch {
                connection = nil
                return false
            }
        }
    }
}
