/// A ``ClientTransport`` that calls a router in the same process, without serialization to
/// the network. For unit tests of services and stubs; buffers are unbounded, so it applies
/// no backpressure. Timeouts are enforced: the server side is cancelled and the call fails
/// with DEADLINE_EXCEEDED.
public struct InProcessTransport: ClientTransport {
    /// The router calls are dispatched to.
    public let router: RPCRouter

    /// Creates a transport over the services registered with `router`.
    public init(router: RPCRouter) {
        self.router = router
    }

    /// Creates a transport hosting the given services.
    public init(services: [any RegistrableRPCService]) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        self.router = router
    }

    public func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        guard let route = router.route(forPath: method.path) else {
            throw RPCError(code: .unimplemented, message: "unknown method \(method.path)")
        }
        let deadline = options.timeout.map { ContinuousClock.now.advanced(by: $0) }
        let context = ServerContext(method: method, peer: "in-process", deadline: deadline, metadata: request.metadata)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            let (requests, requestSink) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            let (headers, headerSink) = AsyncThrowingStream<Metadata, any Error>.makeStream()
            let (parts, partSink) = AsyncThrowingStream<ResponsePart<[UInt8]>, any Error>.makeStream()

            group.addTask {
                do {
                    try await request.producer(RPCWriter { requestSink.yield($0) })
                    requestSink.finish()
                } catch {
                    requestSink.finish(throwing: RPCError(code: .cancelled, message: "the client's request stream failed: \(error)"))
                }
                return nil
            }
            group.addTask {
                do {
                    let serverRequest = StreamingServerRequest(
                        metadata: request.metadata, messages: RPCAsyncSequence(wrapping: requests))
                    let response = try await route.handler(serverRequest, context)
                    headerSink.yield(response.metadata)
                    headerSink.finish()
                    let trailers = try await response.producer(RPCWriter { partSink.yield(.message($0)) })
                    partSink.yield(.trailingMetadata(trailers))
                    partSink.finish()
                } catch {
                    let rpcError = RPCError(mapping: error)
                    headerSink.finish(throwing: rpcError)
                    partSink.finish(throwing: rpcError)
                }
                return nil
            }
            if let deadline {
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    throw RPCError(code: .deadlineExceeded, message: "\(method.path) exceeded its deadline")
                }
            }
            group.addTask {
                var headerIterator = headers.makeAsyncIterator()
                guard let metadata = try await headerIterator.next() else {
                    throw RPCError(code: .internalError, message: "the server sent no response headers")
                }
                let response = StreamingClientResponse(metadata: metadata, bodyParts: RPCAsyncSequence(wrapping: parts))
                return try await handler(response)
            }
            while let outcome = try await group.next() {
                if let result = outcome {
                    group.cancelAll()
                    return result
                }
            }
            throw RPCError(code: .internalError, message: "the in-process call ended without a result")
        }
    }
}
