import ContentDigest

/// The tokens a service accepts, loaded from a ``TokenFile``: a presented token is hashed
/// with SHA-256 and compared with every stored hash in constant time, so neither the file nor
/// the timing of a check tells a caller anything about the tokens.
public struct TokenStore: Sendable {
    /// The tokens, in file order.
    public let entries: [TokenFile.Entry]

    /// A store of the given tokens.
    public init(entries: [TokenFile.Entry]) {
        self.entries = entries
    }

    /// Parses a token file's text (see ``TokenFile``).
    /// - Parameters:
    ///   - text: The file's content.
    ///   - source: Its name, for errors.
    /// - Throws: ``AuthConfigurationError`` naming the line.
    public init(parsing text: String, source: String = "tokens") throws(AuthConfigurationError) {
        entries = try TokenFile.parse(text, source: source)
    }

    /// Loads a token file.
    /// - Parameter path: The file (`--auth-tokens`).
    /// - Throws: ``AuthConfigurationError`` naming the file (and line), also when it lists
    ///   no token at all: a service that accepts nothing is a configuration mistake.
    public init(contentsOfFile path: String) throws(AuthConfigurationError) {
        try self.init(parsing: try TokenFileReader.read(path, what: "auth token file"), source: path)
        guard !entries.isEmpty else {
            throw AuthConfigurationError(code: .malformedTokenFile, message: "\(path): lists no token")
        }
    }

    /// What a presented token may do.
    /// - Parameter token: The plain token from the request.
    /// - Returns: Its principal, or nil when the store does not know it.
    public func principal(for token: String) -> Principal? {
        let digest = SHA256Digest()
        digest.update(token.utf8)
        let presented = digest.finalize()
        // Every entry is compared, each in constant time: no early exit on a match.
        var found: Principal?
        for entry in entries where Self.constantTimeEqual(entry.digest, presented) {
            found = entry.principal
        }
        return found
    }

    /// Whether two digests are equal, in time that depends on their length only.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
