import CSQLite

/// The one owner of a `sqlite3*` connection: opens it, runs statements, closes it when it
/// goes away. Not `Sendable`: one thread at a time, which ``EdgeStore`` guarantees with a
/// `Mutex`. Unsafe pointers stay inside this type and ``SQLiteStatement``.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens (creating when absent) the database at `path`, in WAL mode with
    /// `synchronous=FULL` (a commit is durable when it returns) and foreign keys on.
    /// - Throws: ``SQLiteError`` when it cannot be opened.
    init(path: String) throws {
        var opened: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(opened)
            throw SQLiteError(code: code, message: "opening \(path): \(message)")
        }
        handle = opened
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, 5_000)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
        // A small page cache (the default is 2 MiB): the store is read in bulk only when a
        // snapshot is loaded, and the edge's memory budget counts every cached page.
        try execute("PRAGMA cache_size=-256")
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters and return no rows of interest.
    /// - Throws: ``SQLiteError``.
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &error)
        guard code == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: code, message: message)
        }
    }

    /// Prepares one statement.
    /// - Throws: ``SQLiteError`` for SQL that does not compile.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw SQLiteError(code: code, message: "preparing '\(sql)': \(lastMessage)")
        }
        return SQLiteStatement(statement, database: self)
    }

    /// Runs `body` in a transaction (`BEGIN IMMEDIATE`): committed when it returns, rolled
    /// back when it throws.
    /// - Throws: What `body` throws, or ``SQLiteError``.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last INSERT.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// SQLite's message for the last failed call.
    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}
