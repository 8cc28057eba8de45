import CLibPQ

/// One connection to PostgreSQL, owning a libpq `PGconn` and closing it when released.
///
/// Every call blocks the calling thread until the server answers, so run it off event loops
/// (on a thread of its own, or in a pool that hands each connection to one thread at a time).
/// A connection is not `Sendable`: one thread uses it at a time; libpq itself allows different
/// connections on different threads.
///
/// ```swift
/// let connection = try PostgresConnection.connect(.fromEnvironment())
/// let result = try connection.execute("select $1::int8 + 1", parameters: [41])
/// let answer = try result.int64(row: 0, column: 0)  // 42
/// ```
public final class PostgresConnection {
    /// The `PGconn *`; `nil` once closed. Readable inside the module so that extensions in
    /// other files (transactions, notifications, cancellation) can call libpq; only this file
    /// opens and frees it.
    private(set) var handle: OpaquePointer?

    /// Names of the statements prepared on this session, by text and parameter types
    /// (see `PostgresConnection+Prepared.swift`); they die with the session.
    var preparedStatements: [PreparedKey: String] = [:]

    /// Statements prepared so far on this session: names are never reused, even after a
    /// stale one was forgotten.
    var preparedStatementsMade = 0

    /// Names of prepared statements whose plan went stale (SQLSTATE 0A000) inside a transaction
    /// that then failed: deallocated before the next prepared statement runs.
    var stalePreparedStatements: [String] = []

    /// The configuration this connection was made with.
    public let configuration: PostgresConfiguration

    /// See ``cancelToken``.
    private var cachedCancelToken: PostgresCancelToken?

    private init(handle: OpaquePointer, configuration: PostgresConfiguration) {
        self.handle = handle
        self.configuration = configuration
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection and waits until it is ready (or ``PostgresConfiguration/connectTimeout`` passes).
    /// - Parameter configuration: Where and as whom to connect.
    /// - Returns: The open connection.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connection`` with libpq's reason
    ///   and the (password-free) target.
    public static func connect(_ configuration: PostgresConfiguration) throws -> PostgresConnection {
        guard let handle = PQconnectdb(configuration.connectionString) else {
            throw PostgresError(
                kind: .connection, code: PostgresError.unableToConnect,
                message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = Self.message(from: PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(
                kind: .connection, code: PostgresError.unableToConnect,
                message: "cannot connect to PostgreSQL at \(Self.target(configuration)): \(reason)")
        }
        // libpq prints notices (NOTICE, WARNING from the server) to stderr unless told
        // otherwise; a library has no business writing there.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return PostgresConnection(handle: handle, configuration: configuration)
    }

    /// Whether the connection is open and usable as far as libpq knows (it notices a dead
    /// server at the next statement).
    public var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The server's version as an integer, e.g. `150018` for 15.18; 0 when closed.
    public var serverVersion: Int {
        guard let handle else { return 0 }
        return Int(PQserverVersion(handle))
    }

    /// Closes the connection now rather than when the object is released. Idempotent.
    public func close() {
        if let handle {
            PQfinish(handle)
            self.handle = nil
            preparedStatements = [:]
            stalePreparedStatements = []
        }
    }

    /// Runs one SQL statement with `$1`, `$2`, … bound to `parameters`, all in binary format,
    /// and returns its rows decoded from binary format.
    ///
    /// Outside an explicit `begin`…`commit` the statement is its own transaction. Only one
    /// statement per call (the extended protocol forbids several).
    /// - Parameters:
    ///   - sql: The statement.
    ///   - parameters: The values of `$1`, `$2`, …; typed by their case, `null` untyped.
    /// - Returns: The rows (empty for statements that return none) and the command tag.
    /// - Throws: ``PostgresError``: kind ``PostgresError/Kind/query`` with the server's
    ///   SQLSTATE when the statement fails (the connection stays usable), kind
    ///   ``PostgresError/Kind/connection`` when the connection is closed or lost.
    @discardableResult
    public func execute(_ sql: String, parameters: [PostgresValue] = []) throws -> PostgresResult {
        let handle = try openHandle()
        try Self.checkParameterCount(parameters)
        let result = PostgresParameters(parameters).withPointers { count, types, values, lengths, formats in
            PQexecParams(handle, sql, count, types, values, lengths, formats, 1)
        }
        return try consume(result, on: handle)
    }

    /// A token that cancels, from any thread, the statement this connection is running;
    /// `nil` when the connection is closed. Made once, on first use.
    public var cancelToken: PostgresCancelToken? {
        if cachedCancelToken == nil, let handle { cachedCancelToken = PostgresCancelToken(connection: handle) }
        return handle == nil ? nil : cachedCancelToken
    }

    // MARK: Shared by execute and its variants (prepared statements, …)

    /// The open `PGconn *`.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connection`` once closed.
    func openHandle() throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(
                kind: .connection, code: PostgresError.connectionFailure,
                message: "the connection is closed")
        }
        return handle
    }

    /// The protocol counts parameters in 16 bits.
    static func checkParameterCount(_ parameters: [PostgresValue]) throws {
        guard parameters.count <= Int(UInt16.max) else {
            throw PostgresError(
                kind: .query, code: "54023",
                message: "\(parameters.count) parameters; PostgreSQL takes at most \(UInt16.max)")
        }
    }

    /// Turns what a libpq exec call returned into a result or an error, and clears it.
    /// - Parameters:
    ///   - result: The `PGresult *`; `nil` when libpq could not even send the statement.
    ///   - handle: The connection it came from.
    /// - Returns: The rows and command tag.
    /// - Throws: ``PostgresError``: kind ``PostgresError/Kind/query`` with the server's
    ///   SQLSTATE, or ``PostgresError/Kind/connection`` when the connection is gone.
    @discardableResult
    func consume(_ result: OpaquePointer?, on handle: OpaquePointer) throws -> PostgresResult {
        guard let result else {
            throw connectionError(handle)
        }
        defer { PQclear(result) }

        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(copying: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(handle)
            throw PostgresError(
                kind: .query, code: "0A000", message: "COPY is not supported by execute(_:parameters:)")
        default:
            if PQstatus(handle) != CONNECTION_OK {
                throw connectionError(handle)
            }
            throw Self.queryError(result)
        }
    }

    /// Leaves a COPY the statement started, so the connection is usable again.
    private func abandonCopy(_ handle: OpaquePointer) {
        _ = PQputCopyEnd(handle, "COPY is not supported by PostgresClient")
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(handle, &buffer, 0) > 0 {
            PQfreemem(buffer)
            buffer = nil
        }
        while let pending = PQgetResult(handle) {
            PQclear(pending)
        }
    }

    private func connectionError(_ handle: OpaquePointer) -> PostgresError {
        PostgresError(
            kind: .connection, code: PostgresError.connectionFailure,
            message: "connection to PostgreSQL at \(Self.target(configuration)) failed: "
                + Self.message(from: PQerrorMessage(handle)))
    }

    private static func queryError(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let primary = field(UInt8(ascii: "M")) ?? message(from: PQresultErrorMessage(result))
        return PostgresError(
            kind: .query,
            code: field(UInt8(ascii: "C")),  // PG_DIAG_SQLSTATE
            message: primary.isEmpty ? "the statement failed" : primary,
            detail: field(UInt8(ascii: "D")),  // PG_DIAG_MESSAGE_DETAIL
            hint: field(UInt8(ascii: "H")))  // PG_DIAG_MESSAGE_HINT
    }

    private static func message(from text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        var message = String(cString: text)
        while message.last?.isWhitespace == true { message.removeLast() }
        return message.replacingNewlines()
    }

    private static func target(_ configuration: PostgresConfiguration) -> String {
        let database = configuration.database.map { "/\($0)" } ?? ""
        return "\(configuration.user)@\(configuration.host):\(configuration.port)\(database)"
    }
}

/// One connection is driven by one thread at a time; hand it over, never share it.
@available(*, unavailable)
extension PostgresConnection: Sendable {}

extension String {
    fileprivate func replacingNewlines() -> String {
        split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingLeadingSpaces() }
            .joined(separator: "; ")
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> Substring {
        drop(while: { $0 == " " || $0 == "\t" })
    }
}
