/// Why authentication could not be set up: a token file that is missing, unreadable or
/// malformed, a token that cannot be sent, or host options that neither give tokens nor turn
/// authentication off. Services refuse to start with it; its message says how to fix it.
public struct AuthConfigurationError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A file that cannot be read.
        public static let unreadableFile = Code("unreadable file")
        /// A token file (hashed) with a line that is not `sha256:<64 hex> <scope> [node]`.
        public static let malformedTokenFile = Code("malformed token file")
        /// A plain token that is empty or cannot travel in a header.
        public static let invalidToken = Code("invalid token")
        /// A caller that already has a token file in a ``TokenDirectory``.
        public static let tokenExists = Code("token exists")
        /// Neither a token file nor an explicit opt-out, or both.
        public static let notConfigured = Code("authentication not configured")

        public var description: String { name }
    }

    /// What kind of problem.
    public var code: Code
    /// What is wrong and, when there is one, the fix; names the file and line. Never
    /// contains a token.
    public var message: String
    /// The underlying error (a file system error).
    public var cause: (any Error)?

    /// Creates an error.
    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        cause.map { "\(message): \($0)" } ?? message
    }
}
