/// Runs around every call a client makes through an ``InterceptedClientTransport``: deadline
/// propagation, trace context, metrics, authentication tokens. It sees the call's metadata
/// and options (not its messages) and the whole call: `next` returns once the response was
/// consumed, so a duration or a status measured around it covers the call end to end.
///
/// Interceptors registered as `[a, b]` nest as `a(b(transport))`.
public protocol ClientInterceptor: Sendable {
    /// Intercepts one call.
    /// - Parameters:
    ///   - metadata: The request metadata the call would send.
    ///   - method: The method called.
    ///   - options: The call's options.
    ///   - next: The rest of the chain, with the (possibly changed) metadata and options.
    /// - Returns: What `next` returns.
    /// - Throws: What `next` throws, or an error that stops the call before it starts.
    func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result
}

/// A ``ClientTransport`` that runs ``ClientInterceptor``s around the calls of another.
public struct InterceptedClientTransport: ClientTransport {
    /// The transport calls go through after the interceptors.
    public let base: any ClientTransport
    /// The interceptors, the first one outermost.
    public let interceptors: [any ClientInterceptor]

    /// Wraps a transport.
    public init(_ base: any ClientTransport, interceptors: [any ClientInterceptor]) {
        self.base = base
        self.interceptors = interceptors
    }

    public func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>, method: MethodDescriptor, options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        let base = base
        let producer = request.producer
        return try await run(metadata: request.metadata, method: method, options: options, index: 0) { metadata, options in
            try await base.call(
                request: StreamingClientRequest(metadata: metadata, producer: producer), method: method,
                options: options, handler: handler)
        }
    }

    public func unary(
        request: ClientRequest<[UInt8]>, method: MethodDescriptor, options: CallOptions
    ) async throws -> ClientResponse<[UInt8]> {
        let base = base
        let message = request.message
        return try await run(metadata: request.metadata, method: method, options: options, index: 0) { metadata, options in
            try await base.unary(request: ClientRequest(message: message, metadata: metadata), method: method, options: options)
        }
    }

    private func run<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions, index: Int,
        _ last: @escaping @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        guard index < interceptors.count else { return try await last(metadata, options) }
        return try await interceptors[index].intercept(metadata: metadata, method: method, options: options) {
            try await run(metadata: $0, method: method, options: $1, index: index + 1, last)
        }
    }
}

/// Propagates the deadline of the call being served (``ServerContext/current``) to outgoing
/// calls: an outgoing call gets the time that remains, or its own timeout when shorter, and
/// fails with DEADLINE_EXCEEDED without being sent when no time remains.
public struct DeadlinePropagationInterceptor: ClientInterceptor {
    /// Creates the interceptor.
    public init() {}

    public func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        guard let deadline = ServerContext.current?.deadline else { return try await next(metadata, options) }
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else {
            throw RPCError(code: .deadlineExceeded, message: "\(method) was not sent: the calling request's deadline has passed")
        }
        var options = options
        options.timeout = min(options.timeout ?? remaining, remaining)
        return try await next(metadata, options)
    }
}
