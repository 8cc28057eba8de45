public import RPCCore

/// Limits and timeouts of an ``HTTP2Server``. Every field has a safe default.
public struct HTTP2ServerConfiguration: Sendable, Hashable {
    /// The address to listen on.
    public var host: String = "127.0.0.1"
    /// The port; 0 picks a free one (see ``HTTP2Server/start()``).
    public var port: Int = 0
    /// TLS in front of HTTP/2 (ALPN `h2`) with this certificate and key; nil = plaintext h2c,
    /// for loopback. The files are read by ``HTTP2Server/start()`` and
    /// ``HTTP2Server/reloadTLS()``.
    public var tls: TLSServerSettings? = nil
    /// SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients.
    public var maxConcurrentStreams: Int = 100
    /// Largest request header list (names + values + 32 bytes each); larger resets the stream.
    public var maxHeaderListBytes: Int = 8 << 10
    /// Largest request message accepted; larger fails with RESOURCE_EXHAUSTED.
    public var maxReceiveMessageBytes: Int = 4 << 20
    /// Largest response message sent; larger fails with RESOURCE_EXHAUSTED.
    public var maxSendMessageBytes: Int = 4 << 20
    /// Initial per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE).
    public var initialStreamWindowBytes: Int = 1 << 16
    /// Connection-level receive window.
    public var connectionWindowBytes: Int = 1 << 20
    /// Response bytes buffered per stream before a writer suspends.
    public var streamWriteBufferBytes: Int = 1 << 16
    /// PINGs accepted while no HEADERS or DATA was sent before GOAWAY ENHANCE_YOUR_CALM.
    public var maxPingStrikes: Int = 100
    /// Connections open at once; a connection beyond it is answered with SETTINGS and GOAWAY
    /// ENHANCE_YOUR_CALM (debug data `max_connections`) and closed, without being served (its
    /// client sees UNAVAILABLE).
    public var maxConnections: Int = 10_000
    /// Connections open at once from one remote address; beyond it, as for ``maxConnections``.
    public var maxConnectionsPerAddress: Int = 1_000
    /// Time a new connection has to send the HTTP/2 client preface and its SETTINGS; the
    /// connection is closed (without GOAWAY) when it does not.
    public var prefaceTimeout: Duration = .seconds(10)
    /// Time a header block may stay open (a HEADERS or CONTINUATION frame without END_HEADERS
    /// and no frame completing it); then GOAWAY PROTOCOL_ERROR and close.
    public var headerTimeout: Duration = .seconds(10)
    /// Time a connection without open streams may stay idle; then a graceful GOAWAY.
    public var idleTimeout: Duration = .seconds(300)
    /// Time the connection may stay unwritable (the peer reads nothing while we have frames to
    /// send); then it is closed.
    public var writeStallTimeout: Duration = .seconds(30)
    /// Time the final GOAWAY of a graceful shutdown waits for the PING sent with the first one
    /// to be acknowledged.
    public var shutdownPingTimeout: Duration = .seconds(10)
    /// After a GOAWAY that ends the connection, time the server keeps reading (and discarding)
    /// so that the GOAWAY reaches the peer instead of being lost to a TCP reset.
    public var closeLingerTime: Duration = .seconds(1)
    /// Time from a request's headers to its last byte (END_STREAM); a call whose request takes
    /// longer ends with DEADLINE_EXCEEDED and its upload is reset. Services with long-lived
    /// client streams raise it; nil: no limit.
    public var maxRequestReceiveTime: Duration? = .seconds(300)
    /// Time a call's response may wait on a flow-control window of 0 (the client stopped
    /// reading it); then the stream is reset with ENHANCE_YOUR_CALM (the client sees
    /// RESOURCE_EXHAUSTED) and its buffered response freed. nil: no limit.
    public var maxZeroWindowTime: Duration? = .seconds(30)
    /// Request bytes one connection may hold across its calls (partial messages, messages
    /// waiting for their handler); the call whose data goes beyond it ends with
    /// RESOURCE_EXHAUSTED. Per call, a partial message is bounded by ``maxReceiveMessageBytes``
    /// and queued messages by the stream window.
    public var maxPendingInboundBytesPerConnection: Int = 64 << 20
    /// Response bytes one connection may hold across its calls, not yet taken by the client;
    /// the call whose response goes beyond it ends with RESOURCE_EXHAUSTED. Per call, a
    /// streaming writer suspends at ``streamWriteBufferBytes``.
    public var maxPendingOutboundBytesPerConnection: Int = 64 << 20
    /// Age at which a connection is asked to go away (GOAWAY, as in a graceful shutdown), so
    /// that clients spread over new servers; calls then get ``maxConnectionAgeGrace`` to
    /// finish. nil: connections may live forever.
    public var maxConnectionAge: Duration? = .seconds(2 * 3600)
    /// Time calls get to finish after ``maxConnectionAge``; those still open then end with
    /// UNAVAILABLE.
    public var maxConnectionAgeGrace: Duration = .seconds(600)
    /// Time between the server's keepalive PINGs, which detect half-open peers (a client
    /// host that vanished without a FIN); nil: none are sent.
    public var keepaliveInterval: Duration? = .seconds(2 * 3600)
    /// Time a keepalive PING has to be acknowledged before the connection is closed.
    public var keepaliveTimeout: Duration = .seconds(20)
    /// Time in-flight calls get to finish on shutdown before connections are closed.
    public var shutdownGracePeriod: Duration = .seconds(5)
    /// Run unary handlers on their connection's event loop (as tasks preferring it) instead of
    /// Swift's global executor: a call then never wakes another thread, which halves the
    /// latency of a quick handler, but a handler that computes for long holds up every other
    /// connection of that loop. For services whose unary handlers only await (I/O, a database
    /// on its own threads); leave off for compute-heavy ones.
    public var runsUnaryHandlersOnEventLoop = false
    /// How response messages are compressed when the client accepts it (its
    /// `grpc-accept-encoding`); nil = uncompressed. A handler may change it for its call
    /// (``RPCCore/ServerCallCompression/responseCompression``).
    public var responseCompression: CompressionAlgorithm? = nil

    /// The defaults, on 127.0.0.1 and a free port.
    public init() {}

    /// Defaults on the given address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
