import LifelongClient

/// Sends `authorization: Bearer <token>` with every call of a client.
struct BearerTokenInterceptor: ClientInterceptor {
    /// The token, without the scheme.
    let token: String

    func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        var metadata = metadata
        metadata.removeAll(forKey: "authorization")
        metadata.addString("Bearer \(token)", forKey: "authorization")
        return try await next(metadata, options)
    }
}
