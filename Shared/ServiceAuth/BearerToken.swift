import FoundationEssentials

/// A plain bearer token as a caller holds it, sent as `authorization: Bearer <token>`. Its
/// description never shows the token, so it cannot end up in a log by accident.
public struct BearerToken: Sendable, Hashable, CustomStringConvertible {
    /// The token itself.
    public let value: String

    /// Wraps a token.
    /// - Parameter value: Printable ASCII without spaces (what a header value can carry).
    /// - Throws: ``AuthConfigurationError`` (``AuthConfigurationError/Code/invalidToken``)
    ///   when it is empty or has other characters.
    public init(_ value: String) throws(AuthConfigurationError) {
        guard !value.isEmpty, value.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw AuthConfigurationError(
                code: .invalidToken, message: "a bearer token must be non-empty printable ASCII without spaces")
        }
        self.value = value
    }

    /// Reads a token file: the plain token on one line (a final newline is allowed).
    /// - Parameter path: The file, e.g. `service.token` of a ``TokenDirectory``.
    /// - Throws: ``AuthConfigurationError`` naming the file when it cannot be read, is empty
    ///   or holds more than one line.
    public init(contentsOfFile path: String) throws(AuthConfigurationError) {
        let text = try TokenFileReader.read(path, what: "token file")
        let lines = text.split(whereSeparator: \.isNewline)
        guard lines.count == 1, let line = lines.first else {
            throw AuthConfigurationError(
                code: .invalidToken, message: "\(path): expected the plain token on one line, found \(lines.count) lines")
        }
        do {
            let start = line.drop(while: \.isWhitespace)
            let end = start.lastIndex(where: { !$0.isWhitespace }).map(start.index(after:)) ?? start.startIndex
            try self.init(String(start[..<end]))
        } catch {
            throw AuthConfigurationError(code: .invalidToken, message: "\(path): \(error.message)")
        }
    }

    /// The `authorization` header value: `Bearer <token>`.
    public var headerValue: String { "Bearer \(value)" }

    public var description: String { "BearerToken(…)" }
}

/// Reads the files of authentication, with errors that name them.
enum TokenFileReader {
    static func read(_ path: String, what: String) throws(AuthConfigurationError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AuthConfigurationError(code: .unreadableFile, message: "cannot read the \(what) \(path)", cause: error)
        }
    }
}
