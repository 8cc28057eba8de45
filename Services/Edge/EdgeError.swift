import LifelongCore
import LifelongLearning
public import RPCCore

/// An error of the edge service. The statuses it uses: INVALID_ARGUMENT (a request field
/// missing, malformed or out of range), RESOURCE_EXHAUSTED (a request over a configured limit:
/// batch size), UNAVAILABLE (no snapshot was ever synced, or the cloud cannot be reached),
/// NOT_FOUND (a model name or version the node does not serve), FAILED_PRECONDITION (the node
/// is not in the state the call needs: nothing to roll back to), CANCELLED, and INTERNAL (the
/// store failed, or a bug).
public typealias EdgeError = ServiceError<EdgeErrorMapping>

extension EdgeError {
    /// Inference before any snapshot was synced.
    static var noSnapshot: EdgeError {
        EdgeError(.unavailable, "no snapshot was synced yet: the node has nothing to predict with until it reaches the cloud")
    }
}

/// The edge's one place where errors become statuses.
public enum EdgeErrorMapping: ServiceErrorMapping {
    /// Classifies any error thrown while serving a call or syncing; a store failure is
    /// INTERNAL. (An `RPCError` thrown while serving keeps its status: the default
    /// ``ServiceErrorMapping/rpcError(for:)``.)
    public static func classify(_ error: any Error) -> EdgeError {
        switch error {
        case let error as EdgeError: return error
        case let error as LifelongError:
            // Requests are checked before they reach the core (SampleChecker), so what the core
            // still refuses is about the snapshot (a missing or corrupt model), not the request.
            switch error.code {
            case .featureCountMismatch, .schemaMismatch, .missingColumn:
                return EdgeError(.invalidArgument, "\(error.field ?? "request"): \(error.message)", cause: error)
            default:
                return EdgeError(.internalError, "snapshot \(error.field ?? ""): \(error.message)", cause: error)
            }
        case let error as SQLiteError: return EdgeError(.internalError, "the local store failed", cause: error)
        case is CancellationError: return EdgeError(.cancelled, "the call was cancelled", cause: error)
        default: return EdgeError(.internalError, "\(error)", cause: error)
        }
    }
}
