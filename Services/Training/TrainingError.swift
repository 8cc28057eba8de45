import JobQueue
import LifelongCore
import PostgresClient
public import RPCCore

/// An error of the training service: statuses of the knowledge base it calls keep their code
/// and message; database and queue failures are classified by kind.
public typealias TrainingError = ServiceError<TrainingErrorMapping>

/// The training service's one place where errors become statuses.
public enum TrainingErrorMapping: ServiceErrorMapping {
    /// The status any error thrown while serving a call reaches the client with: every error
    /// classified.
    public static func rpcError(for error: any Error) -> RPCError { classify(error).rpcError }

    /// Classifies any error: ours as they are, RPC errors (from the KB) as they came,
    /// database and queue failures by kind, anything else INTERNAL.
    public static func classify(_ error: any Error) -> TrainingError {
        switch error {
        case let error as TrainingError:
            return error
        case let error as RPCError:
            return TrainingError(error.code, error.message, cause: error)
        case let error as JobQueueError:
            switch error.code {
            case .requestIDReused: return TrainingError(.failedPrecondition, "request_id: \(error.message)", cause: error)
            case .unknownRun: return TrainingError(.notFound, error.message, cause: error)
            case .invalidState: return TrainingError(.failedPrecondition, error.message, cause: error)
            }
        case let error as PostgresError where error.kind == .connection:
            return TrainingError(.unavailable, "the training database is unavailable", cause: error)
        case let error as PostgresError where error.code == "57014":
            return TrainingError(.deadlineExceeded, "a database statement timed out", cause: error)
        case let error as LifelongError:
            return TrainingError(.internalError, "training failed: \(error.message)", cause: error)
        case is CancellationError:
            return TrainingError(.cancelled, "cancelled", cause: error)
        default:
            return TrainingError(.internalError, "internal error", cause: error)
        }
    }
}
