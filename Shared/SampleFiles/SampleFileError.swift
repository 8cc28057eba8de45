/// Why a sample file could not be read: the file, the line and column when known, and the
/// underlying error.
public struct SampleFileError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable {
        /// The file cannot be read from disk.
        case unreadable
        /// The text is not valid CSV (quoting, ragged rows, no header).
        case malformedCSV
        /// A column the schema or the caller names is not in the header.
        case missingColumn
        /// A value does not fit its column (not a number, unknown category, unknown class).
        case invalidValue
        /// The schema given or inferred cannot describe the data (fewer than two classes, no feature).
        case invalidSchema
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for a person, naming the file.
    public var message: String
    /// The 1-based physical line, when known.
    public var line: Int?
    /// The column's name, when known.
    public var column: String?
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, line: Int? = nil, column: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.cause = cause
    }

    public var description: String {
        var location: [String] = []
        if let line { location.append("line \(line)") }
        if let column { location.append("column '\(column)'") }
        return location.isEmpty ? message : "\(message) (\(location.joined(separator: ", ")))"
    }
}
