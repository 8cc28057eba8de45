/// Makes typed calls over a ``ClientTransport``: serializes requests, parses responses and
/// checks the number of response messages. Generated client stubs wrap one of these.
public struct RPCClient: Sendable {
    /// The transport calls go through.
    public let transport: any ClientTransport

    /// Creates a client over a transport.
    public init(transport: any ClientTransport) {
        self.transport = transport
    }

    /// Calls a method with one request and one response.
    /// - Throws: ``RPCError``.
    public func unary<Request: RPCMessage, Response: RPCMessage>(
        request: ClientRequest<Request>,
        method: MethodDescriptor,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Response> {
        let bytes = ClientRequest(message: try Self.serialize(request.message), metadata: request.metadata)
        let response = try await transport.unary(request: bytes, method: method, options: options)
        return ClientResponse(
            message: try Self.parse(response.message), metadata: response.metadata,
            trailingMetadata: response.trailingMetadata)
    }

    /// Calls a method with one request and a stream of responses.
    /// - Throws: ``RPCError``, or what `handler` throws.
    public func serverStreaming<Request: RPCMessage, Response: RPCMessage, Result: Sendable>(
        request: ClientRequest<Request>,
        method: MethodDescriptor,
        options: CallOptions = .defaults,
        handler: @escaping @Sendable (StreamingClientResponse<Response>) async throws -> Result
    ) async throws -> Result {
        let streaming = try Self.streaming(request)
        return try await transport.call(request: streaming, method: method, options: options) {
            try await handler(Self.parsed($0))
        }
    }

    /// Calls a method with a stream of requests and one response.
    /// - Throws: ``RPCError``.
    public func clientStreaming<Request: RPCMessage, Response: RPCMessage>(
        request: StreamingClientRequest<Request>,
        method: MethodDescriptor,
        options: CallOptions = .defaults
    ) async throws -> ClientResponse<Response> {
        try await transport.call(request: Self.serialized(request), method: method, options: options) {
            try await Self.collectSingle(method: method, response: $0) { try Self.parse($0) }
        }
    }

    /// Calls a method with streams both ways.
    /// - Throws: ``RPCError``, or what `handler` throws.
    public func bidirectionalStreaming<Request: RPCMessage, Response: RPCMessage, Result: Sendable>(
        request: StreamingClientRequest<Request>,
        method: MethodDescriptor,
        options: CallOptions = .defaults,
        handler: @escaping @Sendable (StreamingClientResponse<Response>) async throws -> Result
    ) async throws -> Result {
        try await transport.call(request: Self.serialized(request), method: method, options: options) {
            try await handler(Self.parsed($0))
        }
    }

    // MARK: Conversions

    private static func streaming<Request: RPCMessage>(
        _ request: ClientRequest<Request>
    ) throws -> StreamingClientRequest<[UInt8]> {
        let bytes = try serialize(request.message)
        return StreamingClientRequest(metadata: request.metadata) { try await $0.write(bytes) }
    }

    private static func serialized<Request: RPCMessage>(
        _ request: StreamingClientRequest<Request>
    ) -> StreamingClientRequest<[UInt8]> {
        StreamingClientRequest(metadata: request.metadata) { writer in
            try await request.producer(writer.map { try serialize($0) })
        }
    }

    private static func parsed<Response: RPCMessage>(
        _ response: StreamingClientResponse<[UInt8]>
    ) -> StreamingClientResponse<Response> {
        let parts = response.bodyParts.map { part -> ResponsePart<Response> in
            switch part {
            case .message(let bytes): return .message(try parse(bytes))
            case .trailingMetadata(let metadata): return .trailingMetadata(metadata)
            }
        }
        return StreamingClientResponse(metadata: response.metadata, bodyParts: parts)
    }

    /// Reads the one message and the trailers of a single-response call.
    static func collectSingle<Response: Sendable>(
        method: MethodDescriptor, response: StreamingClientResponse<[UInt8]>,
        parse: ([UInt8]) throws -> Response
    ) async throws -> ClientResponse<Response> {
        var message: Response?
        var trailers = Metadata()
        for try await part in response.bodyParts {
            switch part {
            case .message(let bytes):
                guard message == nil else {
                    throw RPCError(code: .internalError, message: "\(method) returned more than one response message")
                }
                message = try parse(bytes)
            case .trailingMetadata(let metadata):
                trailers = metadata
            }
        }
        guard let message else {
            throw RPCError(code: .internalError, message: "\(method) returned no response message")
        }
        return ClientResponse(message: message, metadata: response.metadata, trailingMetadata: trailers)
    }

    static func serialize<Message: RPCMessage>(_ message: Message) throws -> [UInt8] {
        do {
            return try message.serializedBytes()
        } catch {
            throw RPCError(code: .internalError, message: "cannot serialize \(Message.self): \(error)", cause: error)
        }
    }

    /// Parses a received message, on either side of a call.
    /// - Throws: ``RPCError``: the decoder's own status when it has one (RESOURCE_EXHAUSTED for
    ///   a size limit), else INTERNAL (a message that cannot be parsed).
    static func parse<Message: RPCMessage>(_ bytes: [UInt8]) throws -> Message {
        do {
            return try Message(serializedBytes: bytes)
        } catch {
            let code = (error as? any RPCErrorConvertible)?.rpcError.code ?? .internalError
            throw RPCError(code: code, message: "malformed \(Message.self): \(error)", cause: error)
        }
    }
}
