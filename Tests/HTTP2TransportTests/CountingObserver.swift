import HTTP2Transport
import Synchronization

/// Counts what an ``HTTP2Server`` reports to its observer.
final class CountingObserver: HTTP2ServerObserver {
    struct Counts: Sendable, Equatable {
        var opened = 0
        var closed = 0
        var received = 0
        var sent = 0
        var rejected: [HTTP2ConnectionRejection] = []
        var limits: [HTTP2ServerLimit] = []
    }

    private let state = Mutex(Counts())

    var counts: Counts { state.withLock { $0 } }

    func connectionOpened() { state.withLock { $0.opened += 1 } }
    func connectionClosed() { state.withLock { $0.closed += 1 } }
    func bytesReceived(_ count: Int) { state.withLock { $0.received += count } }
    func bytesSent(_ count: Int) { state.withLock { $0.sent += count } }
    func connectionRejected(_ reason: HTTP2ConnectionRejection) { state.withLock { $0.rejected.append(reason) } }
    func limitReached(_ limit: HTTP2ServerLimit) { state.withLock { $0.limits.append(limit) } }
}
