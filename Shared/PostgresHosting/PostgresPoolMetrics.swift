public import ServiceHost
public import PostgresClient
import Prometheus
import Synchronization

extension HostMetrics {
    /// Reports a PostgreSQL pool at each scrape: `lifelong_postgres_pool_connections`
    /// by state (`in_use`, `idle`), `lifelong_postgres_pool_waiters`,
    /// `lifelong_postgres_pool_waits_total`, `lifelong_postgres_pool_wait_seconds_total` and
    /// `lifelong_postgres_pool_connect_failures`, labelled by pool name.
    /// - Parameters:
    ///   - pool: The pool.
    ///   - name: Its `pool` label, e.g. `kb`.
    public func addPostgresPool(_ pool: PostgresPool, name: String) {
        let labels = [("pool", name)]
        let inUse = registry.makeGauge(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "connections", unitName: "", helpText: "PostgreSQL connections of the pool, by state."), labels: labels + [("state", "in_use")])
        let idle = registry.makeGauge(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "connections", unitName: "", helpText: "PostgreSQL connections of the pool, by state."), labels: labels + [("state", "idle")])
        let waiters = registry.makeGauge(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "waiters", unitName: "", helpText: "Callers waiting for a connection now."), labels: labels)
        let failures = registry.makeGauge(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "connect_failures", unitName: "", helpText: "Failed connection attempts since the last successful one."), labels: labels)
        let waits = registry.makeCounter(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "waits", unitName: "total", helpText: "Callers that had to wait for a connection."), labels: labels)
        let waitSeconds = registry.makeCounter(descriptor: .init(namespace: "lifelong_postgres_pool", metricName: "wait_seconds", unitName: "total", helpText: "Time callers spent waiting for a connection."), labels: labels)
        let reported = Mutex((waits: 0, seconds: 0.0))
        addCollector {
            let statistics = pool.statistics
            inUse.set(Double(statistics.workers - statistics.idle))
            idle.set(Double(statistics.idle))
            waiters.set(Double(statistics.waiting))
            failures.set(Double(statistics.consecutiveConnectFailures))
            let (newWaits, newSeconds) = reported.withLock { reported in
                defer { reported = (statistics.waits, statistics.waitedSeconds) }
                return (max(0, statistics.waits - reported.waits), max(0, statistics.waitedSeconds - reported.seconds))
            }
            if newWaits > 0 { waits.increment(by: Int64(newWaits)) }
            if newSeconds > 0 { waitSeconds.increment(by: newSeconds) }
        }
    }
}
