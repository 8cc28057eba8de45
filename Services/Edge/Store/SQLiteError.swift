/// An error of SQLite: the result code of the failed call and SQLite's message for it.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// SQLite's (extended) result code, e.g. 19 for a constraint violation.
    public var code: Int32
    /// SQLite's message, with what was being done.
    public var message: String

    /// Creates an error.
    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "SQLite error \(code): \(message)" }
}
