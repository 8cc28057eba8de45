/// An error of the lifelong-learning core: a code to switch on, a message for people, the
/// field it refers to, and the underlying error when there is one.
public struct LifelongError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// A data set, task or round has no rows.
        case emptyData
        /// A parameter is out of range.
        case invalidParameter
        /// A row has the wrong number of features or attribute values.
        case featureCountMismatch
        /// A named column (label, attribute) is missing or has the wrong kind.
        case missingColumn
        /// Two data sets that must share a schema do not.
        case schemaMismatch
        /// An index names a model whose bytes are not available.
        case missingModel
        /// An index (or snapshot) is inconsistent: unknown task names, bad lengths, bad digests.
        case corruptIndex
        /// The learning library failed (training, prediction, decoding).
        case learning
    }

    /// What went wrong.
    public var code: Code
    /// A sentence for people naming the field and value at fault.
    public var message: String
    /// The field (column, parameter, task) the error refers to, if any.
    public var field: String?
    /// The error this one wraps, if any.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: A sentence for people.
    ///   - field: The field at fault, if any.
    ///   - cause: The underlying error, if any.
    public init(_ code: Code, _ message: String, field: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.field = field
        self.cause = cause
    }

    public var description: String {
        let location = field.map { " (field '\($0)')" } ?? ""
        return "\(code.rawValue)\(location): \(message)"
    }

    /// Runs `body`, wrapping a learning-library error as `.learning` with `context`.
    static func wrapping<T>(_ context: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LifelongError {
            throw error
        } catch {
            throw LifelongError(.learning, "\(context): \(error)", cause: error)
        }
    }
}
