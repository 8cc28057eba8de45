import PostgresClient
public import RPCCore

/// How errors reach the gateway's clients: statuses of the services it called keep their
/// code and message; database failures become UNAVAILABLE; anything else INTERNAL without
/// details.
public enum GatewayErrors {
    @Sendable public static func rpcError(for error: any Error) -> RPCError {
        switch error {
        case let error as RPCError:
            return error
        case let error as PostgresError where error.kind == .connection:
            return RPCError(code: .unavailable, message: "the gateway's database is unavailable", cause: error)
        case let error as PostgresError where error.code == "57014":
            return RPCError(code: .deadlineExceeded, message: "a database statement timed out", cause: error)
        case is CancellationError:
            return RPCError(code: .cancelled, message: "cancelled", cause: error)
        default:
            return RPCError(code: .internalError, message: "internal error", cause: error)
        }
    }
}
