import RPCCore

/// Runs a call through `next` and reports how it ended (status code and duration) once the
/// whole call is over, i.e. after the response producer returned or threw. Shared by the
/// interceptors that measure or log calls.
enum CallObservation {
    /// What was observed of one call.
    struct Outcome: Sendable {
        var code: RPCError.Code
        var error: RPCError?
        var duration: Duration
    }

    static func observe(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>,
        onEnd: @escaping @Sendable (Outcome) -> Void
    ) async throws -> StreamingServerResponse<[UInt8]> {
        let start = ContinuousClock.now
        let response: StreamingServerResponse<[UInt8]>
        do {
            response = try await next(request, context)
        } catch {
            onEnd(outcome(of: error, since: start))
            throw error
        }
        return StreamingServerResponse(metadata: response.metadata) { writer in
            do {
                let trailers = try await response.producer(writer)
                onEnd(Outcome(code: .ok, error: nil, duration: .now - start))
                return trailers
            } catch {
                onEnd(outcome(of: error, since: start))
                throw error
            }
        }
    }

    static func observeUnary(
        request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8],
        onEnd: @Sendable (Outcome) -> Void
    ) async throws -> [UInt8] {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            onEnd(Outcome(code: .ok, error: nil, duration: .now - start))
            return response
        } catch {
            onEnd(outcome(of: error, since: start))
            throw error
        }
    }

    private static func outcome(of error: any Error, since start: ContinuousClock.Instant) -> Outcome {
        let mapped = RPCError(mapping: error)
        return Outcome(code: mapped.code, error: mapped, duration: .now - start)
    }
}

extension RPCError.Code {
    /// The status name gRPC uses (`OK`, `DEADLINE_EXCEEDED`, …), for labels and logs.
    var statusName: String {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
        return names.indices.contains(rawValue) ? names[rawValue] : "CODE_\(rawValue)"
    }
}
