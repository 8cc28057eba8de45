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
    /// A connection was closed as soon as it was accepted, because a limit was reached.
    func connectionRejected(_ reason: HTTP2ConnectionRejection)
}

/// Why a connection was refused.
public enum HTTP2ConnectionRejection: String, Sendable {
    /// ``HTTP2ServerConfiguration/maxConnections`` were open.
    case tooManyConnections = "max_connections"
    /// ``HTTP2ServerConfiguration/maxConnectionsPerAddress`` were open from its address.
    case tooManyFromAddress = "max_connections_per_address"
}

extension HTTP2ServerObserver {
    /// Does nothing: observers that count rejections implement it.
    public func connectionRejected(_ reason: HTTP2ConnectionRejection) {}
}
