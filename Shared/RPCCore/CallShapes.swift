/// A single-message request with its metadata.
public struct ClientRequest<Message: Sendable>: Sendable {
    /// Request metadata (headers).
    public var metadata: Metadata
    /// The message.
    public var message: Message

    /// Creates a request.
    public init(message: Message, metadata: Metadata = [:]) {
        self.message = message
        self.metadata = metadata
    }
}

/// A streaming request: metadata and a function that writes the messages.
public struct StreamingClientRequest<Message: Sendable>: Sendable {
    /// Request metadata (headers).
    public var metadata: Metadata
    /// Writes the request messages; the request stream ends when it returns.
    public var producer: @Sendable (RPCWriter<Message>) async throws -> Void

    /// Creates a request.
    public init(
        metadata: Metadata = [:],
        producer: @escaping @Sendable (RPCWriter<Message>) async throws -> Void
    ) {
        self.metadata = metadata
        self.producer = producer
    }
}

/// One part of a response stream after the initial metadata.
public enum ResponsePart<Message: Sendable>: Sendable {
    /// A message.
    case message(Message)
    /// The trailing metadata of a call that ended with status OK (always last).
    case trailingMetadata(Metadata)
}

/// The response of a single-response call.
public struct ClientResponse<Message: Sendable>: Sendable {
    /// Initial metadata (response headers).
    public var metadata: Metadata
    /// The message.
    public var message: Message
    /// Trailing metadata.
    public var trailingMetadata: Metadata

    /// Creates a response.
    public init(message: Message, metadata: Metadata = [:], trailingMetadata: Metadata = [:]) {
        self.message = message
        self.metadata = metadata
        self.trailingMetadata = trailingMetadata
    }
}

/// The response of a streaming call. Iterating `bodyParts` (or `messages`) throws
/// ``RPCError`` when the call ends with a status other than OK.
public struct StreamingClientResponse<Message: Sendable>: Sendable {
    /// Initial metadata (response headers).
    public var metadata: Metadata
    /// Messages, then the trailing metadata.
    public var bodyParts: RPCAsyncSequence<ResponsePart<Message>>

    /// Creates a response.
    public init(metadata: Metadata, bodyParts: RPCAsyncSequence<ResponsePart<Message>>) {
        self.metadata = metadata
        self.bodyParts = bodyParts
    }

    /// The messages alone (the trailing metadata dropped).
    public var messages: RPCAsyncSequence<Message> {
        bodyParts.compactMap { part in
            if case .message(let message) = part { return message }
            return nil
        }
    }
}

/// Per-call client options.
public struct CallOptions: Sendable, Hashable {
    /// Time the call may take, sent to the server as `grpc-timeout` and enforced locally.
    public var timeout: Duration?
    /// Largest response message accepted (nil = the transport's default).
    public var maxResponseMessageBytes: Int?
    /// Largest request message sent (nil = the transport's default).
    public var maxRequestMessageBytes: Int?
    /// How request messages are compressed (sent as `grpc-encoding`); nil = the transport's
    /// default, `.identity` = uncompressed.
    public var compression: CompressionAlgorithm?

    /// Creates options.
    public init(
        timeout: Duration? = nil, maxResponseMessageBytes: Int? = nil,
        maxRequestMessageBytes: Int? = nil, compression: CompressionAlgorithm? = nil
    ) {
        self.timeout = timeout
        self.maxResponseMessageBytes = maxResponseMessageBytes
        self.maxRequestMessageBytes = maxRequestMessageBytes
        self.compression = compression
    }

    /// No timeout, transport defaults.
    public static let defaults = CallOptions()
}
