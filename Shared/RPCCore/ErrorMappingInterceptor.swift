/// Converts what a service's handlers throw into the status the client gets, in one place per
/// service (e.g. a database error → UNAVAILABLE), so handlers keep only their logic.
public struct ErrorMappingInterceptor: ServerInterceptor {
    private let map: @Sendable (any Error) -> RPCError

    /// Creates the interceptor.
    /// - Parameter map: From any error a handler throws to its status; `RPCError`s usually pass through.
    public init(_ map: @escaping @Sendable (any Error) -> RPCError) {
        self.map = map
    }

    public func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let map = self.map
        let response: StreamingServerResponse<[UInt8]>
        do {
            response = try await next(request, context)
        } catch {
            throw map(error)
        }
        return StreamingServerResponse(metadata: response.metadata) { writer in
            do {
                return try await response.producer(writer)
            } catch {
                throw map(error)
            }
        }
    }

    public func interceptUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
    ) async throws -> [UInt8] {
        do {
            return try await next(request, context)
        } catch {
            throw map(error)
        }
    }
}
