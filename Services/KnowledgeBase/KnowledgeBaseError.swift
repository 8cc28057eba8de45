import PostgresClient
public import RPCCore

/// An error of the knowledge base: a code, a message naming the field or object concerned,
/// and the underlying cause. The one place where errors become gRPC statuses.
public struct KnowledgeBaseError: Error, Sendable, CustomStringConvertible, RPCErrorConvertible {
    /// What kind of failure.
    public var code: Code
    /// What went wrong, naming the field, object or limit.
    public var message: String
    /// The underlying error, if any (never sent to clients).
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

    /// Kinds of failure, each with its gRPC status.
    public enum Code: Sendable, Hashable {
        /// A request field is malformed or out of range (INVALID_ARGUMENT).
        case invalidArgument
        /// A task, model, job or version does not exist (NOT_FOUND).
        case notFound
        /// A compare-and-set lost: another publisher won (ABORTED).
        case aborted
        /// A request references something that must exist first (FAILED_PRECONDITION).
        case failedPrecondition
        /// A request exceeds a configured limit (RESOURCE_EXHAUSTED).
        case resourceExhausted
        /// Uploaded bytes do not match their declared hash or size (DATA_LOSS).
        case dataLoss
        /// PostgreSQL is unreachable (UNAVAILABLE); retry later.
        case unavailable
        /// A statement ran past its timeout (DEADLINE_EXCEEDED).
        case deadlineExceeded
        /// The call was cancelled (CANCELLED).
        case cancelled
        /// A bug or an unexpected database error (INTERNAL).
        case internalError
    }

    public var description: String {
        "\(code): \(message)"
    }

    /// The error as it reaches the client.
    public var rpcError: RPCError {
        let status: RPCError.Code =
            switch code {
            case .invalidArgument: .invalidArgument
            case .notFound: .notFound
            case .aborted: .aborted
            case .failedPrecondition: .failedPrecondition
            case .resourceExhausted: .resourceExhausted
            case .dataLoss: .dataLoss
            case .unavailable: .unavailable
            case .deadlineExceeded: .deadlineExceeded
            case .cancelled: .cancelled
            case .internalError: .internalError
            }
        return RPCError(code: status, message: message, cause: cause ?? self)
    }

    /// The status any error thrown while serving a call reaches the client with: the
    /// service's error mapping (see ``KnowledgeBase/interceptors``).
    @Sendable public static func rpcError(for error: any Error) -> RPCError {
        classify(error).rpcError
    }

    /// Classifies any error thrown while serving a call.
    /// - Parameter error: The error.
    /// - Returns: The knowledge-base error it stands for.
    public static func classify(_ error: any Error) -> KnowledgeBaseError {
        switch error {
        case let error as KnowledgeBaseError:
            return error
        case let error as PostgresError:
            return classify(postgres: error)
        case let error as RPCError:
            // From the request stream: the client went away or sent garbage.
            switch error.code {
            case .cancelled, .deadlineExceeded: return KnowledgeBaseError(.cancelled, error.message, cause: error)
            case .resourceExhausted: return KnowledgeBaseError(.resourceExhausted, error.message, cause: error)
            case .invalidArgument: return KnowledgeBaseError(.invalidArgument, error.message, cause: error)
            default: return KnowledgeBaseError(.internalError, error.message, cause: error)
            }
        case is CancellationError:
            return KnowledgeBaseError(.cancelled, "the call was cancelled", cause: error)
        default:
            return KnowledgeBaseError(.internalError, "\(error)", cause: error)
        }
    }

    /// SQLSTATE classes and codes → codes. Connection trouble and a server shutting down are
    /// UNAVAILABLE (the client may retry), timeouts DEADLINE_EXCEEDED, conflicts that outlived
    /// their retries ABORTED, a full disk or memory RESOURCE_EXHAUSTED. The message a client
    /// gets names the class of failure only: PostgreSQL's own text (connection targets,
    /// DETAIL lines with key values) stays in the cause, which the host logs.
    static func classify(postgres error: PostgresError) -> KnowledgeBaseError {
        let code = error.code ?? ""
        if code == PostgresError.poolTimeout {
            return KnowledgeBaseError(.unavailable, "the knowledge base is busy: \(error.message); retry", cause: error)
        }
        if error.kind == .connection || code.hasPrefix("08") || ["57P01", "57P02", "57P03", "53300"].contains(code) {
            return KnowledgeBaseError(.unavailable, "the knowledge base's database is unavailable; retry", cause: error)
        }
        if code == "57014" {
            return KnowledgeBaseError(.deadlineExceeded, "a database statement was cancelled or timed out", cause: error)
        }
        if error.isStalePreparedStatement {
            // Only reaches here when re-preparing and the transaction's retries did not help.
            return KnowledgeBaseError(.unavailable, "the database schema changed during the call; retry", cause: error)
        }
        if error.isRetryableTransactionFailure {
            return KnowledgeBaseError(.aborted, "conflicting concurrent writes; retry", cause: error)
        }
        if code.hasPrefix("53") || code == "54000" {
            return KnowledgeBaseError(.resourceExhausted, "the database is out of resources (SQLSTATE \(code))", cause: error)
        }
        return KnowledgeBaseError(.internalError, "database error (SQLSTATE \(code.isEmpty ? "none" : code))", cause: error)
    }
}

extension KnowledgeBaseError {
    static func invalid(_ message: String) -> KnowledgeBaseError { KnowledgeBaseError(.invalidArgument, message) }
    static func notFound(_ message: String) -> KnowledgeBaseError { KnowledgeBaseError(.notFound, message) }
}
