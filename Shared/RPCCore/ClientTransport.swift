/// Carries calls of serialized messages to a server. The HTTP/2 transport implements it for
/// the network; ``InProcessTransport`` for a router in the same process.
public protocol ClientTransport: Sendable {
    /// Runs one call of any kind.
    ///
    /// The transport sends the request metadata and the messages the producer writes, then
    /// hands the response to `handler` once its initial metadata arrived. A call that fails
    /// before any response (e.g. an unknown method) throws ``RPCError`` without calling
    /// `handler`; a failure later surfaces from the response's `bodyParts`.
    ///
    /// The request producer runs concurrently with the wait for response headers, so it must
    /// not wait for anything `handler` does: a server that sends its headers only after the
    /// first request (grpcio does) would otherwise never answer. Drive a bidirectional
    /// exchange from the producer (e.g. through an `AsyncStream` fed by the handler) only
    /// after the first request was written.
    /// - Parameters:
    ///   - request: Metadata and the producer of serialized request messages.
    ///   - method: The method called.
    ///   - options: Timeout and limits.
    ///   - handler: Consumes the response.
    /// - Returns: What `handler` returns.
    /// - Throws: ``RPCError``, or what `handler` throws.
    func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result

    /// Runs a call with one request message and one response message (see the default
    /// implementation in the extension, which goes through `call`).
    /// - Parameters:
    ///   - request: Metadata and the serialized request message.
    ///   - method: The method called.
    ///   - options: Timeout and limits.
    /// - Returns: The response headers, the serialized response message and the trailers.
    /// - Throws: ``RPCError``.
    func unary(
        request: ClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions
    ) async throws -> ClientResponse<[UInt8]>
}

extension ClientTransport {
    /// Runs a call with one request message and one response message.
    ///
    /// ``RPCClient`` sends unary calls through this method. The default implementation goes
    /// through ``call(request:method:options:handler:)``; a transport overrides it when it can
    /// complete a unary call with less machinery (the HTTP/2 transport writes the request in
    /// one hop to its event loop and resumes the caller once, with headers, message and
    /// trailers). Either way a response with zero or two messages fails with INTERNAL.
    /// - Parameters:
    ///   - request: Metadata and the serialized request message.
    ///   - method: The method called.
    ///   - options: Timeout and limits.
    /// - Returns: The response headers, the serialized response message and the trailers.
    /// - Throws: ``RPCError``.
    public func unary(
        request: ClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions
    ) async throws -> ClientResponse<[UInt8]> {
        let bytes = request.message
        let streaming = StreamingClientRequest<[UInt8]>(metadata: request.metadata) { try await $0.write(bytes) }
        return try await call(request: streaming, method: method, options: options) {
            try await RPCClient.collectSingle(method: method, response: $0) { $0 }
        }
    }
}
