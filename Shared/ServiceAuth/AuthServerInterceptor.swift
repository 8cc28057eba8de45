public import RPCCore

/// Checks the bearer token of every call against a ``TokenStore`` and an ``AccessPolicy``,
/// and serves the call with ``Principal/current`` set. Reads only request metadata, so it
/// works the same over plaintext, TLS or in-process transports.
///
/// - No `authorization: Bearer <token>` (or another scheme): UNAUTHENTICATED.
/// - A token the store does not know: UNAUTHENTICATED.
/// - A known token whose scope the method does not accept: PERMISSION_DENIED naming the
///   method and the scope.
///
/// Error messages never contain the token.
public struct AuthServerInterceptor: ServerInterceptor {
    /// The header.
    public static let header = "authorization"

    private let store: TokenStore
    private let policy: AccessPolicy

    /// Creates the interceptor.
    /// - Parameters:
    ///   - store: The tokens accepted.
    ///   - policy: Which scopes may call which methods.
    public init(store: TokenStore, policy: AccessPolicy) {
        self.store = store
        self.policy = policy
    }

    /// Who made a call, or the error that rejects it; nil for an open method.
    /// - Throws: UNAUTHENTICATED or PERMISSION_DENIED.
    public func authenticate(_ context: ServerContext) throws(RPCError) -> Principal? {
        guard case .scopes(let allowed) = policy.requirement(for: context.method) else { return nil }
        guard let token = Self.bearerToken(in: context.metadata) else {
            throw RPCError(code: .unauthenticated, message: "missing bearer token in '\(Self.header)' metadata")
        }
        guard let principal = store.principal(for: token) else {
            throw RPCError(code: .unauthenticated, message: "unknown bearer token")
        }
        guard allowed.contains(principal.scope) else {
            let accepted = TokenScope.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
            throw RPCError(
                code: .permissionDenied,
                message: "a \(principal.scope) token may not call \(context.method.path) (it accepts: \(accepted.isEmpty ? "none" : accepted))")
        }
        return principal
    }

    /// The token of the one `authorization` value when it is `Bearer <token>` (the scheme in
    /// any case, RFC 7235); nil otherwise, or when the header appears more than once.
    static func bearerToken(in metadata: Metadata) -> String? {
        let values = metadata[stringValues: header]
        guard values.count == 1, let value = values.first else { return nil }
        let parts = value.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1])
    }

    public func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let principal = try authenticate(context)
        let response = try await Principal.$current.withValue(principal) { try await next(request, context) }
        return StreamingServerResponse(metadata: response.metadata) { writer in
            try await Principal.$current.withValue(principal) { try await response.producer(writer) }
        }
    }

    public func interceptUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        let principal = try authenticate(context)
        return try await Principal.$current.withValue(principal) { try await next(request, context) }
    }
}
