public import ServiceHost
import Prometheus
import Synchronization

/// The queue's series, refreshed at each scrape of the host's metrics endpoint (beside the
/// host's own `grpc_server_*` and `lifelong_postgres_pool_*` series):
/// `lifelong_training_queue_units{state="available"|"running"}` (the queue's depth: units of
/// open runs, shared by every instance, as this instance's workers last counted them — at
/// each claim), and this instance's `lifelong_training_claims_total`,
/// `lifelong_training_takeovers_total` (claims of a unit whose lease had expired),
/// `lifelong_training_units_completed_total` and `lifelong_training_units_failed_total`
/// (failed for good).
public struct TrainingMetrics: Sendable {
    let statistics: QueueStatistics
    let metrics: HostMetrics

    /// Creates the service's metrics on a host's registry.
    /// - Parameters:
    ///   - training: The instance whose workers are counted.
    ///   - metrics: The host's metrics.
    public init(training: Training, metrics: HostMetrics) {
        statistics = training.statistics
        self.metrics = metrics
    }

    private func counter(_ name: String, _ help: String) -> Counter {
        metrics.registry.makeCounter(descriptor: .init(namespace: "lifelong_training", metricName: name, unitName: "total", helpText: help))
    }

    /// Registers the series and their collector.
    public func register() {
        let help = "Units of the queue's open runs, by state (as last counted at a claim)."
        let available = metrics.registry.makeGauge(
            descriptor: .init(namespace: "lifelong_training", metricName: "queue_units", unitName: "", helpText: help),
            labels: [("state", "available")])
        let running = metrics.registry.makeGauge(
            descriptor: .init(namespace: "lifelong_training", metricName: "queue_units", unitName: "", helpText: help),
            labels: [("state", "running")])
        let claims = counter("claims", "Units this instance claimed (takeovers included).")
        let takeovers = counter("takeovers", "Units this instance took over from a worker whose lease had expired.")
        let completed = counter("units_completed", "Units this instance completed.")
        let failed = counter("units_failed", "Units that failed for good on this instance.")
        let reported = Mutex(QueueStatistics.Snapshot())
        let statistics = statistics
        metrics.addCollector {
            let now = statistics.snapshot
            available.set(Double(now.depth.available))
            running.set(Double(now.depth.running))
            let before = reported.withLock { reported in
                defer { reported = now }
                return reported
            }
            for (series, delta) in [
                (claims, now.claims - before.claims), (takeovers, now.takeovers - before.takeovers),
                (completed, now.completed - before.completed), (failed, now.failed - before.failed),
            ] where delta > 0 {
                series.increment(by: Int64(delta))
            }
        }
    }
}
