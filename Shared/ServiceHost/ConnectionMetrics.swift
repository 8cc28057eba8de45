import CoreMetrics
public import HTTP2Transport
import Metrics

/// The transport's connection-level series, fed by the server's ``HTTP2ServerObserver`` hook:
/// `grpc_server_connections_open`, `grpc_server_connections_total`,
/// `grpc_server_received_bytes_total`, `grpc_server_sent_bytes_total` and
/// `grpc_server_connections_rejected_total{reason}` (a connection limit was reached) and
/// `grpc_server_limits_reached_total{limit}` (a call or connection was ended by a limit).
public struct ConnectionMetrics: HTTP2ServerObserver {
    private let open: Meter
    private let accepted: Counter
    private let received: Counter
    private let sent: Counter
    private let factory: any MetricsFactory

    /// Creates the observer.
    /// - Parameter metrics: Where the series go.
    public init(metrics: HostMetrics) {
        open = Meter(label: "grpc_server_connections_open", factory: metrics.factory)
        accepted = Counter(label: "grpc_server_connections_total", factory: metrics.factory)
        received = Counter(label: "grpc_server_received_bytes_total", factory: metrics.factory)
        sent = Counter(label: "grpc_server_sent_bytes_total", factory: metrics.factory)
        factory = metrics.factory
    }

    public func connectionOpened() {
        open.increment()
        accepted.increment()
    }

    public func connectionClosed() {
        open.decrement()
    }

    public func bytesReceived(_ count: Int) {
        received.increment(by: count)
    }

    public func bytesSent(_ count: Int) {
        sent.increment(by: count)
    }

    public func connectionRejected(_ reason: HTTP2ConnectionRejection) {
        Counter(label: "grpc_server_connections_rejected_total", dimensions: [("reason", reason.rawValue)], factory: factory)
            .increment()
    }

    public func limitReached(_ limit: HTTP2ServerLimit) {
        Counter(label: "grpc_server_limits_reached_total", dimensions: [("limit", limit.rawValue)], factory: factory)
            .increment()
    }
}
