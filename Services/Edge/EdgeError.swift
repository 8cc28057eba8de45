import LifelongCore
import LifelongLearning
public import RPCCore

/// An error of the edge service: a code, a message naming the request field at fault, and
/// the underlying cause. The one place where errors become gRPC statuses.
public struct EdgeError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    /// Kinds of failure, each carrying its gRPC status (extensible, as `RPCError.Code` is).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The status a client sees.
        public let status: RPCError.Code

        /// A request field is missing, malformed or out of range.
        public static let invalidArgument = Code(status: .invalidArgument)
        /// A request exceeds a configured limit (batch size).
        public static let resourceExhausted = Code(status: .resourceExhausted)
        /// No snapshot was ever synced, or the cloud cannot be reached.
        public static let unavailable = Code(status: .unavailable)
        /// A model name or version the node does not serve.
        public static let notFound = Code(status: .notFound)
        /// The node is not in the state the call needs (nothing to roll back to).
        public static let failedPrecondition = Code(status: .failedPrecondition)
        /// The call was cancelled.
        public static let cancelled = Code(status: .cancelled)
        /// The store failed, or a bug.
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
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    /// An INVALID_ARGUMENT error naming `field`.
    static func invalid(_ field: String, _ message: String) -> EdgeError {
        EdgeError(.invalidArgument, "\(field): \(message)")
    }

    /// Inference before any snapshot was synced.
    static let noSnapshot = EdgeError(
        .unavailable, "no snapshot was synced yet: the node has nothing to predict with until it reaches the cloud")

    public var description: String { "\(code): \(message)" }

    /// The error as it reaches the client.
    public var rpcError: RPCError { RPCError(code: code.status, message: message, cause: cause ?? self) }

    /// The status any error thrown while serving a call reaches the client with. An
    /// `RPCError` keeps its status; a store failure is INTERNAL.
    @Sendable public static func rpcError(for error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return classify(error).rpcError
    }

    /// Classifies any error thrown while serving a call or syncing.
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
