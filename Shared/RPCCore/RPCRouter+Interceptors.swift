extension RPCRouter {
    /// This router with every route wrapped by the interceptors (the first one outermost).
    /// The handlers also run with ``ServerContext/current`` set, so code they call (a client
    /// stub propagating the deadline, a logger) can find the call it serves.
    /// - Parameter interceptors: Applied to every route, unary fast paths included.
    /// - Returns: The wrapped router.
    public func intercepted(by interceptors: [any ServerInterceptor]) -> RPCRouter {
        var wrapped = RPCRouter()
        for method in methods {
            guard var route = route(forPath: method.path) else { continue }
            route.handler = Self.chain(route.handler, interceptors)
            route.unaryHandler = route.unaryHandler.map { Self.chainUnary($0, interceptors) }
            wrapped.install(route)
        }
        return wrapped
    }

    private static func chain(_ handler: @escaping RawMethodHandler, _ interceptors: [any ServerInterceptor]) -> RawMethodHandler {
        var next: RawMethodHandler = handler
        for interceptor in interceptors.reversed() {
            let inner = next
            next = { request, context in try await interceptor.intercept(request: request, context: context, next: inner) }
        }
        let chained = next
        return { request, context in
            let response = try await ServerContext.$current.withValue(context) { try await chained(request, context) }
            return StreamingServerResponse(metadata: response.metadata) { writer in
                try await ServerContext.$current.withValue(context) { try await response.producer(writer) }
            }
        }
    }

    private static func chainUnary(
        _ handler: @escaping RawUnaryMethodHandler, _ interceptors: [any ServerInterceptor]
    ) -> RawUnaryMethodHandler {
        var next: RawUnaryMethodHandler = handler
        for interceptor in interceptors.reversed() {
            let inner = next
            next = { request, context in try await interceptor.interceptUnary(request: request, context: context, next: inner) }
        }
        let chained = next
        return { request, context in
            try await ServerContext.$current.withValue(context) { try await chained(request, context) }
        }
    }
}

extension ServerContext {
    /// The call the current task serves, when it runs inside a handler of a router made by
    /// ``RPCRouter/intercepted(by:)``.
    @TaskLocal public static var current: ServerContext?
}
