/// Receives connection-level events of an ``HTTP2Server`` (for metrics). Called on event loops: keep it cheap.
public protocol HTTP2ServerObserver: Sendable {
    /// A connection was accepted.
    func connectionOpened()
    /// A connection closed (on every path: clean close, reset, timeout, GOAWAY, error).
    func connectionClosed()
    /// Bytes read from a connection's socket.
    func bytesReceived(_ count: Int)
    /// Bytes written to a connection's socket.
    func bytesSent(_ count: Int)
}
