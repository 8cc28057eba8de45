/// What a server handler knows about the call it serves.
public struct ServerContext: Sendable {
    /// The method called.
    public var method: MethodDescriptor
    /// The client's address, e.g. `ipv4:127.0.0.1:53211`.
    public var peer: String
    /// When the call must end, from the client's `grpc-timeout`; nil = no deadline.
    public var deadline: ContinuousClock.Instant?
    /// The request metadata (headers), without the reserved HTTP/2 and gRPC headers; the
    /// same as the raw request's, so typed handlers can read it too.
    public var metadata: Metadata
    /// How the request messages arrived (compressed or not) and how the responses are compressed.
    public var compression: ServerCallCompression

    /// Creates a context.
    public init(
        method: MethodDescriptor, peer: String, deadline: ContinuousClock.Instant? = nil, metadata: Metadata = [:],
        compression: ServerCallCompression = ServerCallCompression()
    ) {
        self.method = method
        self.peer = peer
        self.deadline = deadline
        self.metadata = metadata
        self.compression = compression
    }
}

/// The request side of a call as a server handler sees it.
public struct StreamingServerRequest<Message: Sendable>: Sendable {
    /// Request metadata (headers), without the reserved HTTP/2 and gRPC headers.
    public var metadata: Metadata
    /// The request messages.
    public var messages: RPCAsyncSequence<Message>

    /// Creates a request.
    public init(metadata: Metadata, messages: RPCAsyncSequence<Message>) {
        self.metadata = metadata
        self.messages = messages
    }
}

/// The response side of a call as a server handler produces it: initial metadata, then the
/// producer writes messages and returns the trailing metadata. A thrown error ends the call
/// with its status (mapped by ``RPCError/init(mapping:)``).
public struct StreamingServerResponse<Message: Sendable>: Sendable {
    /// Initial metadata (response headers).
    public var metadata: Metadata
    /// Writes the response messages and returns the trailing metadata.
    public var producer: @Sendable (RPCWriter<Message>) async throws -> Metadata

    /// Creates a response.
    public init(
        metadata: Metadata = [:],
        producer: @escaping @Sendable (RPCWriter<Message>) async throws -> Metadata
    ) {
        self.metadata = metadata
        self.producer = producer
    }
}

/// A handler of serialized messages for one method.
public typealias RawMethodHandler = @Sendable (
    StreamingServerRequest<[UInt8]>, ServerContext
) async throws -> StreamingServerResponse<[UInt8]>

/// A service a server can host: it registers its methods with a router.
public protocol RegistrableRPCService: Sendable {
    /// Registers every method of the service.
    func registerMethods(with router: inout RPCRouter)
}

/// The shortcut of a unary method: from one serialized request message to one serialized
/// response message (no response metadata, empty trailers). A thrown error ends the call
/// with its status, as for ``RawMethodHandler``.
public typealias RawUnaryMethodHandler = @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
