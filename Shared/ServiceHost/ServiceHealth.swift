public import Logging
public import StandardServices
import Synchronization

/// What the health service reports, derived in one place: SERVING while every dependency is
/// reachable and the process is not shutting down; NOT_SERVING otherwise, for the server
/// ("") and each hosted service alike. Answers come from memory: a health check never waits
/// for a dependency.
public final class ServiceHealth: Sendable {
    /// The `grpc.health.v1.Health` service hosted by the server.
    public let service: HealthService
    private let serviceNames: [String]
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var unreachable: Set<String> = []
        var shuttingDown = false
        var serving = true
    }

    /// Creates the health of a server hosting `serviceNames`, all SERVING.
    public init(serviceNames: [String], logger: Logger) {
        self.serviceNames = serviceNames
        self.logger = logger
        service = HealthService(servingServices: serviceNames)
    }

    /// Records whether a dependency answers.
    /// - Parameters:
    ///   - name: The dependency, e.g. `postgres`.
    ///   - reachable: Whether it answered its last probe.
    public func setDependency(_ name: String, reachable: Bool) {
        let change = state.withLock { state -> Bool? in
            if reachable { state.unreachable.remove(name) } else { state.unreachable.insert(name) }
            return update(&state)
        }
        if let serving = change {
            logger.notice(
                "health changed",
                metadata: ["health.status": "\(serving ? "SERVING" : "NOT_SERVING")", "health.dependency": "\(name)",
                           "health.dependency_reachable": "\(reachable)"])
        }
    }

    /// From now on NOT_SERVING, whatever the dependencies say (the server is draining).
    public func beginShutdown() {
        let change = state.withLock { state -> Bool? in
            state.shuttingDown = true
            return update(&state)
        }
        if change != nil { logger.notice("health changed", metadata: ["health.status": "NOT_SERVING", "health.reason": "shutdown"]) }
    }

    /// Whether the server reports SERVING now.
    public var isServing: Bool { state.withLock { $0.serving } }

    /// Recomputes under the lock; returns the new status when it changed (statuses set here,
    /// so concurrent updates cannot apply out of order).
    private func update(_ state: inout State) -> Bool? {
        let serving = !state.shuttingDown && state.unreachable.isEmpty
        guard serving != state.serving else { return nil }
        state.serving = serving
        let status: HealthService.Status = serving ? .serving : .notServing
        for name in [""] + serviceNames { service.setStatus(status, forService: name) }
        return serving
    }
}
