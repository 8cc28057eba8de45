import JobQueue
import LifelongCore
import PostgresClient
public import RPCCore

/// An error of the training service: a gRPC status code, a message naming the field or
/// object concerned, and the underlying cause. The one place where errors become statuses.
public struct TrainingError: Error, Sendable, CustomStringConvertible {
    /// The status the client sees.
    public var code: RPCError.Code
    /// What went wrong, naming the field or object.
    public var message: String
    /// The underlying error, if any (never sent to clients).
    public var cause: (any Error)?

    /// Creates an error.
    public init(_ code: RPCError.Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// An INVALID_ARGUMENT naming `field`.
    static func invalid(_ field: String, _ message: String) -> TrainingError {
        TrainingError(.invalidArgument, "\(field): \(message)")
    }

    public var description: String { "\(code): \(message)" }

    /// The status any error thrown while serving a call reaches the client with.
    @Sendable public static func rpcError(for error: any Error) -> RPCError {
        let classified = classify(error)
        return RPCError(code: classified.code, message: classified.message, cause: classified.cause ?? error)
    }

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
