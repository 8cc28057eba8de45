public import RPCCore

/// Limits and timeouts of an ``HTTP2ClientTransport``. Every field has a safe default.
public struct HTTP2ClientConfiguration: Sendable, Hashable {
    /// TLS (ALPN `h2`) verifying the server against a CA file; nil = plaintext h2c, for loopback.
    public var tls: TLSClientSettings? = nil
    /// Time a TCP connection attempt may take.
    public var connectTimeout: Duration = .seconds(10)
    /// Largest response message accepted (unless a call's options say otherwise).
    public var maxReceiveMessageBytes: Int = 4 << 20
    /// Largest request message sent (unless a call's options say otherwise).
    public var maxSendMessageBytes: Int = 4 << 20
    /// Largest response header list accepted.
    public var maxHeaderListBytes: Int = 16 << 10
    /// Initial per-stream receive window.
    public var initialStreamWindowBytes: Int = 1 << 16
    /// Connection-level receive window.
    public var connectionWindowBytes: Int = 1 << 20
    /// Request bytes buffered per stream before a writer suspends.
    public var streamWriteBufferBytes: Int = 1 << 16
    /// First delay before reconnecting after a failed connection attempt.
    public var initialBackoff: Duration = .milliseconds(100)
    /// Longest delay between connection attempts.
    public var maxBackoff: Duration = .seconds(5)
    /// Interval of keepalive PINGs on an open connection; nil = none.
    public var keepaliveInterval: Duration? = nil
    /// Time a keepalive PING may go unanswered before the connection is closed.
    public var keepaliveTimeout: Duration = .seconds(20)
    /// How request messages are compressed unless a call's options say otherwise
    /// (``RPCCore/CallOptions/compression``); nil = uncompressed. Responses in gzip or deflate
    /// are read either way.
    public var requestCompression: CompressionAlgorithm? = nil

    /// The defaults.
    public init() {}
}
