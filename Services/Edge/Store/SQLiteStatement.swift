import CSQLite

/// A prepared statement, owned and finalized by this type. Parameters are bound by position
/// (`?1`, `?2`, …) from Swift values; result columns are read by name.
final class SQLiteStatement {
    /// A value to bind or read.
    enum Value {
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
        case null
    }

    private let handle: OpaquePointer
    private let database: SQLiteDatabase
    private var columns: [String: Int32] = [:]

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
        for index in 0..<sqlite3_column_count(handle) {
            columns[String(cString: sqlite3_column_name(handle, index))] = index
        }
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to parameters 1…n, replacing earlier bindings and resetting the statement.
    /// - Throws: ``SQLiteError``.
    func bind(_ values: [Value]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let position = Int32(offset + 1)
            let code: Int32
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, position, number)
            case .real(let number): code = sqlite3_bind_double(handle, position, number)
            case .text(let text): code = sqlite3_bind_text(handle, position, text, -1, lifelong_sqlite_transient())
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob must still be a blob, not NULL: bind a zeroblob then.
                    buffer.baseAddress.map {
                        sqlite3_bind_blob(handle, position, $0, Int32(buffer.count), lifelong_sqlite_transient())
                    } ?? sqlite3_bind_zeroblob(handle, position, 0)
                }
            case .null: code = sqlite3_bind_null(handle, position)
            }
            guard code == SQLITE_OK else { throw SQLiteError(code: code, message: "binding ?\(position): \(database.lastMessage)") }
        }
    }

    /// Advances to the next row.
    /// - Returns: True when a row is available, false when the statement is done.
    /// - Throws: ``SQLiteError``.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: code, message: database.lastMessage)
        }
    }

    /// Binds `values` and runs the statement to completion (for statements without rows).
    /// - Throws: ``SQLiteError``.
    func run(_ values: [Value] = []) throws {
        try bind(values)
        while try step() {}
    }

    /// Binds `values` and reads every row with `read`.
    /// - Throws: ``SQLiteError`` or what `read` throws.
    func rows<T>(_ values: [Value] = [], _ read: (SQLiteStatement) throws -> T) throws -> [T] {
        try bind(values)
        var result: [T] = []
        while try step() { result.append(try read(self)) }
        return result
    }

    private func index(_ name: String) -> Int32 {
        guard let index = columns[name] else { preconditionFailure("no result column '\(name)'") }
        return index
    }

    /// The current row's column `name` as an integer (0 for NULL).
    func integer(_ name: String) -> Int64 { sqlite3_column_int64(handle, index(name)) }

    /// The current row's column `name` as a double (0 for NULL).
    func real(_ name: String) -> Double { sqlite3_column_double(handle, index(name)) }

    /// The current row's column `name` as text ("" for NULL).
    func text(_ name: String) -> String {
        guard let pointer = sqlite3_column_text(handle, index(name)) else { return "" }
        return String(cString: pointer)
    }

    /// The current row's column `name` as bytes (empty for NULL).
    func blob(_ name: String) -> [UInt8] {
        let column = index(name)
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Whether the current row's column `name` is NULL.
    func isNull(_ name: String) -> Bool { sqlite3_column_type(handle, index(name)) == SQLITE_NULL }
}
