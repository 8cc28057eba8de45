/// A TLS file that cannot be used: missing, unreadable, or not what it should be. Thrown
/// when a server starts or reloads its certificate, and (as the cause of UNAVAILABLE) when a
/// client connects.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, extensible like `RPCError.Code`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        public var description: String { name }

        /// The file is missing or cannot be read.
        public static let unreadableFile = Code(name: "unreadable_file")
        /// The file holds no usable PEM certificate.
        public static let invalidCertificate = Code(name: "invalid_certificate")
        /// The file holds no usable PEM private key.
        public static let invalidPrivateKey = Code(name: "invalid_private_key")
        /// The certificate and key do not go together, or the TLS context cannot be made.
        public static let invalidConfiguration = Code(name: "invalid_configuration")
    }

    /// What went wrong.
    public var code: Code
    /// Names the file and what is wrong with it.
    public var message: String
    /// The underlying error, if any.
    public var cause: (any Error)?

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - message: Names the file and the problem.
    ///   - cause: The underlying error.
    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        cause.map { "\(message): \($0)" } ?? message
    }
}
