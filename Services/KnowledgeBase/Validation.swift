import LifelongProto

/// Checks shared by the stores. Each names the request field in its error.
enum Validation {
    /// A non-empty identifier no longer than the limit.
    static func identifier(_ value: String, field: String, limits: KnowledgeBaseConfiguration.Limits) throws {
        guard !value.isEmpty else { throw KnowledgeBaseError.invalid("\(field) is empty") }
        guard value.utf8.count <= limits.maximumIdentifierBytes else {
            throw KnowledgeBaseError.invalid(
                "\(field) is \(value.utf8.count) bytes long; the limit is \(limits.maximumIdentifierBytes)")
        }
    }

    /// An identifier that may be empty.
    static func optionalIdentifier(_ value: String, field: String, limits: KnowledgeBaseConfiguration.Limits) throws {
        if !value.isEmpty { try identifier(value, field: field, limits: limits) }
    }

    /// A SHA-256 as 64 lowercase hex digits.
    static func sha256(_ value: String, field: String) throws {
        guard isSHA256(value) else {
            throw KnowledgeBaseError.invalid("\(field) must be 64 lowercase hex digits, got '\(value.prefix(80))'")
        }
    }

    static func isSHA256(_ value: String) -> Bool {
        value.utf8.count == 64
            && value.utf8.allSatisfy {
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0)
            }
    }

    /// A vector with exactly `expected` values (or none, when `allowEmpty`).
    static func count(
        _ values: [Double], expected: Int, field: String, reason: String, allowEmpty: Bool = true
    ) throws {
        if allowEmpty && values.isEmpty { return }
        guard values.count == expected else {
            throw KnowledgeBaseError.invalid("\(field) has \(values.count) values; expected \(expected) (\(reason))")
        }
    }
}
