import CoreMetrics
import Metrics
public import Prometheus
import Synchronization

/// The metrics of one hosted service: a Prometheus registry (what `GET /metrics` renders),
/// the swift-metrics factory that writes into it, and collectors that refresh gauges read
/// at scrape time (process figures, pool state). Executables also make the factory the
/// process-wide swift-metrics backend, so libraries' metrics land in the same registry.
public final class HostMetrics: Sendable {
    /// Where every series lives.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics backend over ``registry``.
    public let factory: PrometheusMetricsFactory
    private let collectors = Mutex<[@Sendable () -> Void]>([])

    /// Creates empty metrics, with the process collector registered.
    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        self.factory = factory
        addCollector(ProcessMetrics(registry: registry).collect)
    }

    /// Makes ``factory`` the process-wide swift-metrics backend. Call once per process.
    public func bootstrapSystem() {
        MetricsSystem.bootstrap(factory)
    }

    /// Registers a function run before each scrape, to refresh gauges.
    public func addCollector(_ collect: @escaping @Sendable () -> Void) {
        collectors.withLock { $0.append(collect) }
    }

    /// The Prometheus text exposition of every series, collectors run first.
    public func render() -> [UInt8] {
        for collect in collectors.withLock({ $0 }) { collect() }
        return registry.emitToBuffer()
    }
}
