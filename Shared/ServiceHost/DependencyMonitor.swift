public import ServiceLifecycle

/// Something a service needs in order to serve (its database), checked periodically.
public struct DependencyProbe: Sendable {
    /// The dependency's name, e.g. `postgres`.
    public var name: String
    /// Answers whether the dependency is reachable now; it must not wait behind the
    /// service's own work (use a connection of its own, not the pool).
    public var check: @Sendable () async -> Bool

    /// Creates a probe.
    public init(name: String, check: @escaping @Sendable () async -> Bool) {
        self.name = name
        self.check = check
    }
}

/// Runs each probe every `interval` and reports the outcome to ``ServiceHealth``; a probe
/// that takes longer than `timeout` counts as unreachable.
public struct DependencyMonitor: Service, CustomStringConvertible {
    public var description: String { "DependencyMonitor(\(probes.map(\.name).joined(separator: ", ")))" }

    private let probes: [DependencyProbe]
    private let health: ServiceHealth
    private let interval: Duration
    private let timeout: Duration

    /// Creates the monitor.
    public init(probes: [DependencyProbe], health: ServiceHealth, interval: Duration = .seconds(1), timeout: Duration = .seconds(2)) {
        self.probes = probes
        self.health = health
        self.interval = interval
        self.timeout = timeout
    }

    public func run() async throws {
        guard !probes.isEmpty else {
            // Nothing to probe; a service that returned would end the group.
            try? await gracefulShutdown()
            return
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await withTaskGroup(of: Void.self) { group in
                    for probe in probes {
                        group.addTask { health.setDependency(probe.name, reachable: await check(probe)) }
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// The probe's answer, or false when it does not answer within the timeout.
    private func check(_ probe: DependencyProbe) async -> Bool {
        await withTaskGroup(of: Bool?.self) { group in
            group.addTask { await probe.check() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? false
        }
    }
}
