/// Maps method paths to handlers. Typed registration parses requests, serializes responses
/// and enforces the message count of each call kind (a unary request with zero or two
/// messages fails with UNIMPLEMENTED, as gRPC specifies).
public struct RPCRouter: Sendable {
    private var handlers: [String: Route] = [:]

    /// One registered method.
    public struct Route: Sendable {
        /// The method.
        public var method: MethodDescriptor
        /// Its call kind.
        public var kind: RPCKind
        /// Its handler.
        public var handler: RawMethodHandler
        /// A shortcut for unary methods registered with ``RPCRouter/registerUnary(_:_:)``:
        /// from the one request message to the one response message, without response
        /// metadata. A transport may call it instead of `handler` when the request has
        /// exactly one message; `handler` does the same work through streams.
        public var unaryHandler: RawUnaryMethodHandler?
    }

    /// An empty router.
    public init() {}

    /// Registers a handler of serialized messages, replacing any earlier one for the method.
    public mutating func register(method: MethodDescriptor, kind: RPCKind, handler: @escaping RawMethodHandler) {
        handlers[method.path] = Route(method: method, kind: kind, handler: handler)
    }

    /// Registers every method of a service.
    public mutating func register(_ service: some RegistrableRPCService) {
        service.registerMethods(with: &self)
    }

    /// The route for a `:path`, if any.
    public func route(forPath path: String) -> Route? { handlers[path] }

    /// Adds a route as it is, replacing any earlier one for its method.
    mutating func install(_ route: Route) {
        handlers[route.method.path] = route
    }

    /// The fully-qualified names of the services with at least one method, sorted.
    public var serviceNames: [String] {
        Set(handlers.values.map(\.method.service.fullyQualifiedService)).sorted()
    }

    /// Every registered method.
    public var methods: [MethodDescriptor] { handlers.values.map(\.method) }
}

extension RPCRouter {
    /// Registers a unary method.
    public mutating func registerUnary<Request: RPCMessage, Response: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        register(method: method, kind: .unary) { request, context in
            let message: Request = try await Self.single(request.messages, method: method)
            let response = try await body(message, context)
            let bytes = try RPCClient.serialize(response)
            return StreamingServerResponse { writer in
                try await writer.write(bytes)
                return [:]
            }
        }
        handlers[method.path]?.unaryHandler = { bytes, context in
            let message: Request = try RPCClient.parse(bytes)
            return try RPCClient.serialize(try await body(message, context))
        }
    }

    /// Registers a server-streaming method.
    public mutating func registerServerStreaming<Request: RPCMessage, Response: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (Request, RPCWriter<Response>, ServerContext) async throws -> Void
    ) {
        register(method: method, kind: .serverStreaming) { request, context in
            let message: Request = try await Self.single(request.messages, method: method)
            return StreamingServerResponse { writer in
                try await body(message, writer.map { try RPCClient.serialize($0) }, context)
                return [:]
            }
        }
    }

    /// Registers a client-streaming method.
    public mutating func registerClientStreaming<Request: RPCMessage, Response: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (RPCAsyncSequence<Request>, ServerContext) async throws -> Response
    ) {
        register(method: method, kind: .clientStreaming) { request, context in
            let response = try await body(Self.parsed(request.messages), context)
            let bytes = try RPCClient.serialize(response)
            return StreamingServerResponse { writer in
                try await writer.write(bytes)
                return [:]
            }
        }
    }

    /// Registers a bidirectional-streaming method.
    public mutating func registerBidirectionalStreaming<Request: RPCMessage, Response: RPCMessage>(
        _ method: MethodDescriptor,
        _ body: @escaping @Sendable (RPCAsyncSequence<Request>, RPCWriter<Response>, ServerContext) async throws -> Void
    ) {
        register(method: method, kind: .bidirectionalStreaming) { request, context in
            StreamingServerResponse { writer in
                try await body(Self.parsed(request.messages), writer.map { try RPCClient.serialize($0) }, context)
                return [:]
            }
        }
    }

    private static func parsed<Request: RPCMessage>(_ messages: RPCAsyncSequence<[UInt8]>) -> RPCAsyncSequence<Request> {
        messages.map { try RPCClient.parse($0) }
    }

    private static func single<Request: RPCMessage>(
        _ messages: RPCAsyncSequence<[UInt8]>, method: MethodDescriptor
    ) async throws -> Request {
        var first: Request?
        for try await message in parsed(messages) as RPCAsyncSequence<Request> {
            guard first == nil else {
                throw RPCError(code: .unimplemented, message: "\(method) expects exactly one request message, got more")
            }
            first = message
        }
        guard let first else {
            throw RPCError(code: .unimplemented, message: "\(method) expects exactly one request message, got none")
        }
        return first
    }
}
