/// Runs around every call a router dispatches: metrics, logging, tracing, error mapping and
/// (later) authentication are interceptors. Modelled on grpc-swift-2's `ServerInterceptor`,
/// over serialized messages.
///
/// A call has two phases: the handler returns the response headers and a producer, then the
/// transport runs the producer, which writes the messages and returns the trailers. An
/// interceptor that needs the whole call (a duration, the final status) wraps the producer
/// of the response `next` returns; one that rejects a call throws before calling `next`.
///
/// Interceptors registered as `[a, b]` nest as `a(b(handler))`: `a` sees the call first and
/// its outcome last.
public protocol ServerInterceptor: Sendable {
    /// Intercepts a call of any kind.
    /// - Parameters:
    ///   - request: The request metadata and messages.
    ///   - context: What the server knows about the call.
    ///   - next: The rest of the chain (further interceptors, then the handler).
    /// - Returns: The response, typically `next`'s with its producer wrapped.
    /// - Throws: An error that ends the call with its status.
    func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]>

    /// Intercepts a unary call on the transport's single-message fast path. The default
    /// implementation adapts the call to ``intercept(request:context:next:)``; interceptors on
    /// the hot path implement it directly.
    /// - Parameters:
    ///   - request: The serialized request message.
    ///   - context: What the server knows about the call.
    ///   - next: The rest of the chain.
    /// - Returns: The serialized response message.
    /// - Throws: An error that ends the call with its status.
    func interceptUnary(
        request: [UInt8], context: ServerContext,
        next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8]
}

extension ServerInterceptor {
    public func interceptUnary(
        request: [UInt8], context: ServerContext,
        next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let streaming = StreamingServerRequest(metadata: context.metadata, messages: .elements([request]))
        let response = try await intercept(request: streaming, context: context) { request, context in
            var iterator = request.messages.makeAsyncIterator()
            guard let message = try await iterator.next() else {
                throw RPCError(code: .internalError, message: "an interceptor dropped the request message")
            }
            let reply = try await next(message, context)
            return StreamingServerResponse { writer in
                try await writer.write(reply)
                return [:]
            }
        }
        let collected = UnaryResponseCollector()
        _ = try await response.producer(RPCWriter { collected.append($0) })
        return try collected.single()
    }
}
