import Synchronization

/// Call counts and durations per method and status, kept in memory for the metrics
/// endpoint (Prometheus text, rendered by the executable).
public final class KnowledgeBaseMetrics: Sendable {
    /// One method's figures for one status.
    public struct Series: Sendable, Hashable {
        /// The method, e.g. `PublishSnapshot`.
        public var method: String
        /// The gRPC status name, e.g. `OK`, `ABORTED`.
        public var status: String
        /// Calls that ended with this status.
        public var count: Int64
        /// Their total duration in seconds.
        public var totalSeconds: Double
    }

    private struct Key: Hashable {
        var method: String
        var status: String
    }

    private let series = Mutex<[Key: (Int64, Double)]>([:])

    /// Creates empty metrics.
    public init() {}

    func record(method: String, status: String, duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let elapsed = Double(seconds) + Double(attoseconds) / 1e18
        series.withLock { series in
            let key = Key(method: method, status: status)
            let (count, total) = series[key] ?? (0, 0)
            series[key] = (count + 1, total + elapsed)
        }
    }

    /// Every series, sorted by method and status.
    public var snapshot: [Series] {
        series.withLock { series in
            series.map { Series(method: $0.key.method, status: $0.key.status, count: $0.value.0, totalSeconds: $0.value.1) }
        }.sorted { ($0.method, $0.status) < ($1.method, $1.status) }
    }
}
