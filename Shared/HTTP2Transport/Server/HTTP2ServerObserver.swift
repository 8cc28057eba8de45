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
    /// A call or connection hit a limit of ``HTTP2ServerConfiguration`` and was ended for it.
    func limitReached(_ limit: HTTP2ServerLimit)
}

/// The limits a peer can run into on an open connection (the label of a metric).
public enum HTTP2ServerLimit: String, Sendable, CaseIterable {
    /// ``HTTP2ServerConfiguration/prefaceTimeout``: no HTTP/2 preface in time; closed.
    case prefaceTimeout = "preface_timeout"
    /// ``HTTP2ServerConfiguration/headerTimeout``: a header block left open; GOAWAY.
    case headerTimeout = "header_timeout"
    /// ``HTTP2ServerConfiguration/idleTimeout``: no call for that long; graceful GOAWAY.
    case idleTimeout = "idle_timeout"
    /// ``HTTP2ServerConfiguration/writeStallTimeout``: the socket stayed unwritable; closed.
    case writeStall = "write_stall"
    /// ``HTTP2ServerConfiguration/maxPingStrikes``: GOAWAY ENHANCE_YOUR_CALM.
    case pingStrikes = "ping_strikes"
    /// ``HTTP2ServerConfiguration/maxConnectionAge``: graceful GOAWAY.
    case connectionAge = "max_connection_age"
    /// ``HTTP2ServerConfiguration/keepaliveTimeout``: a keepalive PING went unanswered; closed.
    case keepaliveTimeout = "keepalive_timeout"
    /// ``HTTP2ServerConfiguration/maxRequestReceiveTime``: the call got DEADLINE_EXCEEDED.
    case requestReceiveTime = "request_receive_time"
    /// ``HTTP2ServerConfiguration/maxZeroWindowTime``: the stream was reset.
    case zeroWindowTime = "zero_window_time"
    /// ``HTTP2ServerConfiguration/maxPendingInboundBytesPerConnection``: RESOURCE_EXHAUSTED.
    case pendingInboundBytes = "pending_inbound_bytes"
    /// ``HTTP2ServerConfiguration/maxPendingOutboundBytesPerConnection``: RESOURCE_EXHAUSTED.
    case pendingOutboundBytes = "pending_outbound_bytes"
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

    /// Does nothing: observers that count limits implement it.
    public func limitReached(_ limit: HTTP2ServerLimit) {}
}
