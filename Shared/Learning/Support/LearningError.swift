/// An error from the learning library: a machine-readable code, a message for people,
/// where the input has a position the line, column and field it refers to, and the
/// underlying error when there is one.
public struct LearningError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in a form a caller can switch on.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The CSV text is malformed (unterminated quote, stray quote, bad encoding).
        case malformedCSV
        /// A CSV row has a different number of fields from the header.
        case raggedRow
        /// A column the schema names is not in the header, or appears twice.
        case missingColumn
        /// A value cannot be read as the column's type.
        case invalidValue
        /// A feature value is infinite (NaN is accepted and means missing).
        case nonFiniteValue
        /// A row has a different number of features from what the model or table expects.
        case featureCountMismatch
        /// A training set has no rows.
        case emptyTrainingSet
        /// A classification training set has fewer than two distinct classes.
        case singleClass
        /// A label is missing or is not one of the known classes.
        case invalidLabel
        /// A categorical value is not among the categories the encoding knows.
        case unknownCategory
        /// A parameter is out of its valid range.
        case invalidParameter
        /// Two arrays or tables that must agree in length or shape do not.
        case shapeMismatch
        /// A model's bytes cannot be decoded, or decode to an inconsistent model.
        case corruptModel
        /// A model's format version is newer than this library reads.
        case unsupportedFormatVersion
        /// A linear system could not be solved (for example a singular ridge system).
        case numericalFailure
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for people, naming the field and value at fault.
    public var message: String
    /// The 1-based line of the input the error refers to, if any.
    public var line: Int?
    /// The 1-based column of the input the error refers to, if any.
    public var column: Int?
    /// The field (column, feature or parameter name) the error refers to, if any.
    public var field: String?
    /// The error this one wraps (a protobuf decoding error, a file-system error), if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A sentence for people.
    ///   - line: The 1-based input line, if any.
    ///   - column: The 1-based input column, if any.
    ///   - field: The field name, if any.
    ///   - cause: The underlying error, if any.
    public init(
        _ code: Code, _ message: String, line: Int? = nil, column: Int? = nil, field: String? = nil,
        cause: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.line = line
        self.column = column
        self.field = field
        self.cause = cause
    }

    public var description: String {
        var position: [String] = []
        if let line { position.append("line \(line)") }
        if let column { position.append("column \(column)") }
        if let field { position.append("field '\(field)'") }
        let location = position.isEmpty ? "" : " (" + position.joined(separator: ", ") + ")"
        return "\(code.rawValue)\(location): \(message)"
    }
}
