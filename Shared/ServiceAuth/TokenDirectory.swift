import FoundationEssentials
import Glibc

/// A folder of generated tokens for one deployment (what `lifelong up`, `make demo` and
/// `lifelong-tokens` write): the token file every service loads, hashed, and one plain
/// token file per caller, readable by its owner only.
///
/// ```text
/// tokens.sha256       sha256:… admin / sha256:… service / sha256:… reader / sha256:… edge node-a
/// admin.token         for the operator (the CLI)
/// service.token       for service-to-service calls (--service-token-file)
/// reader.token        for read-only clients
/// edge-node-a.token   for the edge node-a (--gateway-token-file)
/// ```
public struct TokenDirectory: Sendable {
    /// The name of the hashed token file in the folder.
    public static let storeFileName = "tokens.sha256"

    /// The folder.
    public let path: String

    /// A folder of tokens made earlier (nothing is read until asked).
    public init(path: String) {
        self.path = path
    }

    /// The hashed token file, for `--auth-tokens`.
    public var storeFile: String { path + "/" + Self.storeFileName }

    /// The plain token file of a caller.
    /// - Parameters:
    ///   - scope: Its scope.
    ///   - node: The node of an edge token.
    public func tokenFile(_ scope: TokenScope, node: String? = nil) -> String {
        path + "/" + (node.map { "\(scope)-\($0)" } ?? scope.rawValue) + ".token"
    }

    /// Reads the plain token of a caller.
    /// - Throws: ``AuthConfigurationError`` when its file is missing or malformed.
    public func token(_ scope: TokenScope, node: String? = nil) throws(AuthConfigurationError) -> BearerToken {
        try BearerToken(contentsOfFile: tokenFile(scope, node: node))
    }

    /// Makes a new token, appends its hash to the token file (created when absent) and writes
    /// the plain token next to it (mode 0600). Services read the token file at start: restart
    /// them to accept the new token.
    /// - Parameters:
    ///   - scope: What the token may do.
    ///   - node: The node an edge token is bound to.
    /// - Returns: The new token.
    /// - Throws: ``AuthConfigurationError`` for a scope/node mismatch, a caller whose token
    ///   file exists already (``AuthConfigurationError/Code/tokenExists``: a second token
    ///   would leave the first one valid with no file), or a file that cannot be written.
    @discardableResult
    public func add(_ scope: TokenScope, node: String? = nil) throws(AuthConfigurationError) -> BearerToken {
        let generated = try TokenFile.generate(scope: scope, node: node)
        guard !FileManager.default.fileExists(atPath: tokenFile(scope, node: node)) else {
            throw AuthConfigurationError(
                code: .tokenExists, message: "\(tokenFile(scope, node: node)) exists: \(generated.principal) already has a token here")
        }
        try write(generated.token.value + "\n", to: tokenFile(scope, node: node), appending: false)
        try write(generated.line + "\n", to: storeFile, appending: true)
        return generated.token
    }

    /// Creates (or replaces) the tokens of a deployment in `path`: admin, service, reader,
    /// and one edge token per node. Tokens made earlier in the folder stop working and their
    /// files are removed.
    /// - Parameters:
    ///   - path: The folder (created when absent).
    ///   - edgeNodes: The edge nodes to make tokens for.
    /// - Returns: The folder.
    /// - Throws: ``AuthConfigurationError`` when a file cannot be written or a node id is invalid.
    public static func generate(at path: String, edgeNodes: [String] = []) throws(AuthConfigurationError) -> TokenDirectory {
        let directory = TokenDirectory(path: path)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            // Replace, not merge: the token file and every plain token made earlier go.
            for name in try FileManager.default.contentsOfDirectory(atPath: path)
            where name == storeFileName || name.hasSuffix(".token") {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            }
        } catch {
            throw AuthConfigurationError(code: .unreadableFile, message: "cannot prepare the token folder \(path)", cause: error)
        }
        try directory.write(
            "# Bearer tokens accepted by the Lifelong services (SHA-256; see docs/service-host.md).\n", to: directory.storeFile,
            appending: false)
        for scope in [TokenScope.admin, .service, .reader] { try directory.add(scope) }
        for node in edgeNodes { try directory.add(.edge, node: node) }
        return directory
    }

    /// Writes (or appends) text to a file only its owner may read.
    private func write(_ text: String, to file: String, appending: Bool) throws(AuthConfigurationError) {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_CLOEXEC | (appending ? O_APPEND : O_TRUNC), 0o600)
        var failure = descriptor < 0 ? errno : 0
        if descriptor >= 0 {
            if fchmod(descriptor, 0o600) != 0 { failure = errno }
            var bytes = Array(text.utf8)[...]
            while failure == 0, !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written < 0 { failure = errno } else { bytes = bytes.dropFirst(written) }
            }
            if close(descriptor) != 0, failure == 0 { failure = errno }
        }
        guard failure == 0 else {
            throw AuthConfigurationError(
                code: .unreadableFile, message: "cannot write \(file)", cause: POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO))
        }
    }
}
