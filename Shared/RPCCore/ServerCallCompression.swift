import Synchronization

/// A server call's message compression, shared by its handler and its transport: how the
/// request messages arrived, and whether the response messages are compressed.
///
/// The transport decides the response encoding once, when the response headers go out with the
/// first message (its `grpc-encoding`): ``responseCompression`` at that moment, when the client
/// accepts it. Afterwards a message is compressed while ``responseCompression`` still names
/// that algorithm; nil (or another algorithm) sends the next messages uncompressed.
public final class ServerCallCompression: Sendable {
    private struct State {
        var lastRequestMessageWasCompressed = false
        var responseCompression: CompressionAlgorithm?
    }

    /// The request's `grpc-encoding`: what compressed request messages are encoded with
    /// (`.identity` when the client sent none).
    public let requestEncoding: CompressionAlgorithm
    /// What the client reads (its `grpc-accept-encoding`, with `.identity` always).
    public let acceptedEncodings: Set<CompressionAlgorithm>
    private let state: Mutex<State>

    /// Creates the record of a call.
    /// - Parameters:
    ///   - requestEncoding: The request's `grpc-encoding`.
    ///   - acceptedEncodings: The encodings the client reads.
    ///   - responseCompression: The server's default for responses (nil = uncompressed).
    public init(
        requestEncoding: CompressionAlgorithm = .identity, acceptedEncodings: Set<CompressionAlgorithm> = [.identity],
        responseCompression: CompressionAlgorithm? = nil
    ) {
        self.requestEncoding = requestEncoding
        self.acceptedEncodings = acceptedEncodings.union([.identity])
        self.state = Mutex(State(responseCompression: responseCompression))
    }

    /// Whether the request message the handler read last arrived compressed (its gRPC
    /// compressed flag was set). The transport updates it as the handler takes each message.
    public var lastRequestMessageWasCompressed: Bool {
        state.withLock { $0.lastRequestMessageWasCompressed }
    }

    /// The algorithm response messages written from now on are compressed with; nil = none.
    /// Starts as the server's configured default. An algorithm the client does not accept is
    /// not used (the messages go uncompressed).
    public var responseCompression: CompressionAlgorithm? {
        get { state.withLock { $0.responseCompression } }
        set { state.withLock { $0.responseCompression = newValue } }
    }

    /// The transport hands the handler a request message.
    package func handingOverRequestMessage(compressed: Bool) {
        state.withLock { $0.lastRequestMessageWasCompressed = compressed }
    }
}
