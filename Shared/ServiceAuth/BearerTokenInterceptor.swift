public import RPCCore

/// Adds `authorization: Bearer <token>` to every call made through the transport it
/// intercepts (replacing any value the call had).
public struct BearerTokenInterceptor: ClientInterceptor {
    private let token: BearerToken

    /// Creates the interceptor.
    /// - Parameter token: The token every call carries.
    public init(_ token: BearerToken) {
        self.token = token
    }

    public func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        var metadata = metadata
        metadata.removeAll(forKey: AuthServerInterceptor.header)
        metadata.addString(token.headerValue, forKey: AuthServerInterceptor.header)
        return try await next(metadata, options)
    }
}

extension ClientTransport {
    /// This transport with `token` on every call; nil: the calls go as they are.
    ///
    /// ```swift
    /// let kb = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport.authenticated(with: token)))
    /// ```
    public func authenticated(with token: BearerToken?) -> InterceptedClientTransport {
        InterceptedClientTransport(self, interceptors: token.interceptors)
    }
}

extension Optional where Wrapped == BearerToken {
    /// The interceptors that attach this token (none for nil), for a chain of client
    /// interceptors: `transport.propagatingCallContext(token.interceptors)`.
    public var interceptors: [any ClientInterceptor] { map { [BearerTokenInterceptor($0)] } ?? [] }
}
