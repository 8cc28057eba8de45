import ContentDigest

/// The token file a service is configured with (`--auth-tokens`): the SHA-256 of every token
/// it accepts, never the tokens themselves. One token a line:
///
/// ```text
/// # who may call this service
/// sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 admin
/// sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 edge node-7
/// ```
///
/// Fields are separated by spaces or tabs: the hash, the ``TokenScope``, and, for `edge` only,
/// the node id the token is bound to. `#` starts a comment line; blank lines are ignored.
public enum TokenFile {
    /// A token just made: the plain token for the caller, the hashed line for the service.
    public struct Generated: Sendable {
        /// The plain token (give it to the caller; it is not stored by the service).
        public var token: BearerToken
        /// What the token may do.
        public var principal: Principal
        /// The token's line of the token file: `sha256:<64 hex> <scope> [node]`.
        public var line: String
    }

    /// Makes a new random token: 32 bytes from the system's secure generator, base64url
    /// without padding (43 characters).
    /// - Parameters:
    ///   - scope: What the token may do.
    ///   - node: The node an `edge` token is bound to; nil for the other scopes.
    /// - Returns: The plain token and its hashed line.
    /// - Throws: ``AuthConfigurationError`` (``AuthConfigurationError/Code/invalidToken``)
    ///   when an edge token has no node, another scope has one, or the node id contains
    ///   whitespace.
    public static func generate(scope: TokenScope, node: String? = nil) throws(AuthConfigurationError) -> Generated {
        let principal = try validated(Principal(scope: scope, node: node), where: "")
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = try BearerToken(Base64URL.encode(bytes))
        return Generated(token: token, principal: principal, line: line(hashing: token, for: principal))
    }

    /// The token file line of a token: `sha256:<64 hex> <scope> [node]`.
    /// - Parameters:
    ///   - token: The plain token.
    ///   - principal: What it may do.
    public static func line(hashing token: BearerToken, for principal: Principal) -> String {
        var line = "sha256:\(SHA256Digest.hex(of: token.value.utf8)) \(principal.scope)"
        if let node = principal.node { line += " \(node)" }
        return line
    }

    /// One token of a token file: the SHA-256 of the token and what it may do.
    public struct Entry: Sendable, Hashable {
        /// SHA-256 of the plain token (32 bytes).
        public var digest: [UInt8]
        /// What the token may do.
        public var principal: Principal
    }

    /// Parses a token file's text.
    /// - Parameters:
    ///   - text: The file's content.
    ///   - source: The file's name, for errors.
    /// - Returns: Its tokens, in file order.
    /// - Throws: ``AuthConfigurationError`` (``AuthConfigurationError/Code/malformedTokenFile``)
    ///   naming the file and line: a hash that is not `sha256:` and 64 hex digits, an unknown
    ///   scope, an edge token without a node, a node on another scope, extra fields, a hash
    ///   listed twice.
    public static func parse(_ text: String, source: String) throws(AuthConfigurationError) -> [Entry] {
        var entries: [Entry] = []
        var seen: [[UInt8]: Int] = [:]
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let number = index + 1
            let location = "\(source):\(number): "
            let fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            func malformed(_ message: String) -> AuthConfigurationError {
                AuthConfigurationError(code: .malformedTokenFile, message: location + message)
            }
            guard first.hasPrefix("sha256:"), let digest = SHA256Digest.digest(hex: first.dropFirst("sha256:".count)) else {
                throw malformed("expected 'sha256:<64 hex digits> <scope> [node]', the hash is not 'sha256:' and 64 hex digits")
            }
            guard fields.count >= 2 else { throw malformed("missing the scope after the hash (one of \(scopeList))") }
            guard let scope = TokenScope(rawValue: String(fields[1])) else {
                throw malformed("unknown scope '\(fields[1])' (one of \(scopeList))")
            }
            guard fields.count <= 3 else { throw malformed("unexpected field '\(fields[3])' after the node") }
            let principal: Principal
            do {
                principal = try validated(Principal(scope: scope, node: fields.count == 3 ? String(fields[2]) : nil), where: location)
            } catch {
                throw AuthConfigurationError(code: .malformedTokenFile, message: error.message)
            }
            if let earlier = seen[digest] { throw malformed("the same token hash is already on line \(earlier)") }
            seen[digest] = number
            entries.append(Entry(digest: digest, principal: principal))
        }
        return entries
    }

    private static var scopeList: String { TokenScope.allCases.map(\.rawValue).joined(separator: ", ") }

    /// `principal` when its node fits its scope.
    private static func validated(_ principal: Principal, where prefix: String) throws(AuthConfigurationError) -> Principal {
        func invalid(_ message: String) -> AuthConfigurationError {
            AuthConfigurationError(code: .invalidToken, message: prefix + message)
        }
        switch (principal.scope, principal.node) {
        case (.edge, nil), (.edge, ""): throw invalid("an edge token needs the node id it is bound to")
        case (.edge, let node?) where node.contains(where: \.isWhitespace):
            throw invalid("node id '\(node)' contains whitespace")
        case (.edge, _): return principal
        case (let scope, nil): return Principal(scope: scope)
        case (let scope, let node?): throw invalid("only edge tokens are bound to a node, not \(scope) (got node '\(node)')")
        }
    }
}
