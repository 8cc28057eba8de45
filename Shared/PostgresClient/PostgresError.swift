/// An error from the PostgreSQL layer: a bad configuration, a failed connection, a failed
/// statement or a result that cannot be decoded as asked.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public var kind: Kind
    /// The SQLSTATE the server reported (`42P01` for a missing table, …), read from
    /// `PG_DIAG_SQLSTATE`. For failures libpq detects itself it is the standard code of their
    /// class (`08001` when a connection cannot be made, `08006` when it is lost); `nil` for
    /// configuration and decoding errors, which never reach the server.
    public var code: String?
    /// The primary message, without severity prefix or trailing newline.
    public var message: String
    /// The server's optional detail line (`PG_DIAG_MESSAGE_DETAIL`).
    public var detail: String?
    /// The server's optional hint (`PG_DIAG_MESSAGE_HINT`).
    public var hint: String?
    /// The error that caused this one, if any.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - kind: What failed.
    ///   - code: The SQLSTATE, if there is one.
    ///   - message: What went wrong, naming the setting, statement part or column concerned.
    ///   - detail: The server's detail line.
    ///   - hint: The server's hint.
    ///   - cause: The underlying error.
    public init(
        kind: Kind, code: String? = nil, message: String, detail: String? = nil,
        hint: String? = nil, cause: (any Error)? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.detail = detail
        self.hint = hint
        self.cause = cause
    }

    public var description: String {
        var text = "\(kind)"
        if let code { text += " [\(code)]" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}

extension PostgresError {
    /// The area an error comes from. Extensible: later layers (pools, transactions) may add
    /// kinds without breaking `switch`es that have a `default`.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Wrapped: String, Sendable, Hashable {
            case configuration, connection, query, decoding
        }

        private let wrapped: Wrapped

        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The configuration (a URL, an environment variable) is malformed.
        public static let configuration = Kind(.configuration)
        /// The connection could not be made, or was lost.
        public static let connection = Kind(.connection)
        /// The server rejected a statement (syntax, constraint, missing table, …).
        public static let query = Kind(.query)
        /// A result value does not have the type or shape the caller asked for.
        public static let decoding = Kind(.decoding)

        public var description: String { wrapped.rawValue }
    }
}

extension PostgresError {
    /// SQLSTATE `08001`: the client could not establish a connection.
    static let unableToConnect = "08001"
    /// SQLSTATE `08006`: the connection failed while in use.
    static let connectionFailure = "08006"
    /// Not a server SQLSTATE: every pooled connection stayed leased for the pool's acquire
    /// timeout. Its message names the pool and nothing secret, so services may pass it on.
    public static let poolTimeout = "LLP01"

    static func configuration(_ message: String) -> PostgresError {
        PostgresError(kind: .configuration, message: message)
    }

    static func decoding(_ message: String) -> PostgresError {
        PostgresError(kind: .decoding, message: message)
    }
}
