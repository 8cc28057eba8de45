import LifelongCore
import LifelongLearning
public import RPCCore

/// An error of task mining. The statuses it uses: INVALID_ARGUMENT (a request field missing,
/// malformed or out of range), NOT_FOUND (the knowledge base holds no sample of the job asked
/// for), RESOURCE_EXHAUSTED (a request over a configured limit), UNAVAILABLE (the knowledge
/// base cannot be reached; retry later), DEADLINE_EXCEEDED (the call's deadline passed while
/// the knowledge base was read), CANCELLED, and INTERNAL (a bug, or a failure of the learning
/// code on valid input). Installed as the service's error mapping (``TaskMining/interceptors``);
/// an `RPCError` (a request the transport could not decode, a call cut short) keeps its status.
public typealias TaskMiningError = ServiceError<TaskMiningErrorMapping>

/// Task mining's one place where errors become statuses.
public enum TaskMiningErrorMapping: ServiceErrorMapping {
    /// Classifies any error thrown while serving a call. Errors of the lifelong core about
    /// the request's data or plan are INVALID_ARGUMENT naming their field; a failure inside
    /// the learning code is INTERNAL.
    /// - Parameter error: The error.
    /// - Returns: The task-mining error it stands for.
    public static func classify(_ error: any Error) -> TaskMiningError {
        switch error {
        case let error as TaskMiningError:
            return error
        case let error as LifelongError:
            let field = error.field ?? "request"
            switch error.code {
            case .learning: return TaskMiningError(.internalError, "\(field): \(error.message)", cause: error)
            default: return .invalid(field, error.message, cause: error)
            }
        case let error as LearningError:
            return TaskMiningError(.invalidArgument, "\(error)", cause: error)
        case is CancellationError:
            return TaskMiningError(.cancelled, "the call was cancelled", cause: error)
        default:
            return TaskMiningError(.internalError, "\(error)", cause: error)
        }
    }
}
