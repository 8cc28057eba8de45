import PostgresClient
public import RPCCore

/// An error of the knowledge base. The statuses it uses: INVALID_ARGUMENT (a request field
/// malformed or out of range), NOT_FOUND (a task, model, job or version does not exist), ABORTED
/// (a compare-and-set lost: another publisher won), FAILED_PRECONDITION (a request references
/// something that must exist first), RESOURCE_EXHAUSTED (a request over a configured limit),
/// DATA_LOSS (uploaded bytes do not match their declared hash or size), UNAVAILABLE (PostgreSQL
/// is unreachable; retry later), DEADLINE_EXCEEDED (a statement ran past its timeout),
/// CANCELLED, and INTERNAL (a bug or an unexpected database error).
public typealias KnowledgeBaseError = ServiceError<KnowledgeBaseErrorMapping>

/// The knowledge base's one place where errors become statuses, installed as the service's
/// error mapping (see ``KnowledgeBase/interceptors``).
public enum KnowledgeBaseErrorMapping: ServiceErrorMapping {
    /// The status any error thrown while serving a call reaches the client with: every error
    /// classified, an `RPCError` from the request stream too.
    public static func rpcError(for error: any Error) -> RPCError {
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
    /// An INVALID_ARGUMENT error whose message names its field itself.
    static func invalid(_ message: String) -> KnowledgeBaseError { KnowledgeBaseError(.invalidArgument, message) }
    /// A NOT_FOUND error.
    static func notFound(_ message: String) -> KnowledgeBaseError { KnowledgeBaseError(.notFound, message) }
}
