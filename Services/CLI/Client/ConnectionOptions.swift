import ArgumentParser
import Foundation
import HTTP2Transport
import ServiceAuth

/// `--token-file`: the bearer token every call sends (one line; `LIFELONG_TOKEN_FILE`).
struct TokenOptions: ParsableArguments {
    @Option(help: ArgumentHelp("PEM file of the CA that signed the service's certificate: connect with TLS and verify it (default: $LIFELONG_CA); plaintext h2c without.", valueName: "FILE"))
    var ca: String?

    /// A connection to a service with these credentials (token and CA).
    /// - Throws: `ValidationError` when the token file cannot be read or is empty.
    func connection(to role: ServiceConnection.Role, at endpoint: Endpoint) throws -> ServiceConnection {
        ServiceConnection(role: role, endpoint: endpoint, token: try token(), tls: tls())
    }

    /// TLS settings when a CA is given.
    func tls() -> TLSClientSettings? {
        (ca ?? ProcessInfo.processInfo.environment["LIFELONG_CA"].flatMap { $0.isEmpty ? nil : $0 }).map { TLSClientSettings(trustRootsFile: $0) }
    }

    @Option(help: ArgumentHelp("File whose first line is the bearer token sent with every call (default: $LIFELONG_TOKEN_FILE).", valueName: "FILE"))
    var tokenFile: String?

    /// The token: of `--token-file`, else of `$LIFELONG_TOKEN_FILE`, else the admin token of
    /// the local stack (`lifelong up` made it), else none.
    /// - Throws: `ValidationError` when the file cannot be read or is empty.
    func token() throws -> String? {
        guard let path = tokenFile ?? ProcessInfo.processInfo.environment["LIFELONG_TOKEN_FILE"].flatMap({ $0.isEmpty ? nil : $0 })
            ?? Self.localStackToken
        else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("cannot read the token file \(path)")
        }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard !token.isEmpty else { throw ValidationError("the token file \(path) is empty") }
        return token
    }

    /// The local stack's admin token file, when it exists.
    static var localStackToken: String? {
        let path = StackOptions.layout(stateDir: nil).tokens.tokenFile(.admin)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// `--gateway HOST:PORT` and the token: how client commands reach the gateway.
struct GatewayOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The gateway (default: $LIFELONG_GATEWAY or 127.0.0.1:7100).", valueName: "HOST:PORT"))
    var gateway: String?
    @OptionGroup var token: TokenOptions

    /// A connection to the gateway.
    /// - Throws: `ValidationError` for a malformed address or token file.
    func connection() throws -> ServiceConnection {
        let endpoint = try Endpoint.resolve(option: gateway, optionName: "--gateway", variable: "LIFELONG_GATEWAY", default: "127.0.0.1:7100")
        return try token.connection(to: .gateway, at: endpoint)
    }
}

/// `--kb HOST:PORT` and the token: how `lifelong kb` reaches the knowledge base.
struct KnowledgeBaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The knowledge base (default: $LIFELONG_KB or 127.0.0.1:7101).", valueName: "HOST:PORT"))
    var kb: String?
    @OptionGroup var token: TokenOptions

    /// A connection to the knowledge base.
    /// - Throws: `ValidationError` for a malformed address or token file.
    func connection() throws -> ServiceConnection {
        let endpoint = try Endpoint.resolve(option: kb, optionName: "--kb", variable: "LIFELONG_KB", default: "127.0.0.1:7101")
        return try token.connection(to: .knowledgeBase, at: endpoint)
    }
}

/// `--edge HOST:PORT` (required) and the token: how edge commands reach a node.
struct EdgeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The edge node.", valueName: "HOST:PORT"))
    var edge: String
    @OptionGroup var token: TokenOptions

    /// A connection to the node.
    /// - Throws: `ValidationError` for a malformed address or token file.
    func connection() throws -> ServiceConnection {
        try token.connection(to: .edge, at: try Endpoint(parsing: edge, what: "--edge"))
    }
}
