import LifelongCore
import LifelongLearning
public import RPCCore

/// An error of task mining: a code, a message naming the request field at fault, and the
/// underlying cause. The one place where errors become gRPC statuses.
public struct TaskMiningError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    /// Kinds of failure, each carrying its gRPC status (extensible, as `RPCError.Code` is).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The status a client sees.
        public let status: RPCError.Code

        /// A request field is missing, malformed or out of range.
        public static let invalidArgument = Code(status: .invalidArgument)
        /// The knowledge base holds no sample of the job asked for.
        public static let notFound = Code(status: .notFound)
        /// A request exceeds a configured limit.
        public static let resourceExhausted = Code(status: .resourceExhausted)
        /// The knowledge base cannot be reached; retry later.
        public static let unavailable = Code(status: .unavailable)
        /// The call's deadline passed while the knowledge base was read.
        public static let deadlineExceeded = Code(status: .deadlineExceeded)
        /// The call was cancelled.
        public static let cancelled = Code(status: .cancelled)
        /// A bug, or a failure of the learning code on valid input.
        public static let internalError = Code(status: .internalError)

        public var description: String { status.description }
    }

    /// What kind of failure.
    public var code: Code
    /// What went wrong, starting with the field at fault when there is one.
    public var message: String
    /// The underlying error, if any (logged by the host, never sent to clients).
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong.
    ///   - cause: The underlying error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// An INVALID_ARGUMENT error naming `field`.
    static func invalid(_ field: String, _ message: String, cause: (any Error)? = nil) -> TaskMiningError {
        TaskMiningError(.invalidArgument, "\(field): \(message)", cause: cause)
    }

    public var description: String { "\(code): \(message)" }

    /// The error as it reaches the client.
    public var rpcError: RPCError { RPCError(code: code.status, message: message, cause: cause ?? self) }

    /// The status any error thrown while serving a call reaches the client with: the
    /// service's error mapping (see ``TaskMining/interceptors``). An `RPCError` (a request
    /// the transport could not decode, a call cut short) keeps its status.
    @Sendable public static func rpcError(for error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return classify(error).rpcError
    }

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
            default: return invalid(field, error.message, cause: error)
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
