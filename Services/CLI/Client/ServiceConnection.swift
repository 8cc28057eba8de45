import LifelongClient

/// One service a command talks to: its address, the token it sends, and the calls made
/// through it, with failures turned into messages a person understands (``CLIFailure``).
struct ServiceConnection: Sendable {
    /// Which service it is, for messages and the fix they suggest.
    enum Role: String, Sendable {
        case gateway = "the gateway"
        case knowledgeBase = "the knowledge base"
        case edge = "the edge node"
        case service = "the service"
    }

    /// Which service it is.
    let role: Role
    /// Where it listens.
    let endpoint: Endpoint
    /// The bearer token sent with every call, if any.
    let token: String?
    /// TLS verifying the service against a CA; nil: plaintext h2c (loopback).
    var tls: TLSClientSettings? = nil

    /// Calls the service: opens a connection, runs `body` with a client whose calls carry the
    /// token, closes the connection.
    /// - Returns: What `body` returns.
    /// - Throws: ``CLIFailure``: `.unreachable` when nothing answers at the address, `.rpc`
    ///   with the status code and message otherwise; other errors of `body` unchanged.
    func call<T: Sendable>(_ body: (RPCClient) async throws -> T) async throws -> T {
        var configuration = HTTP2ClientConfiguration()
        configuration.connectTimeout = .seconds(5)
        configuration.maxReceiveMessageBytes = 64 << 20
        configuration.tls = tls
        let transport = HTTP2ClientTransport(host: endpoint.host, port: endpoint.port, configuration: configuration)
        let client = RPCClient(
            transport: InterceptedClientTransport(transport, interceptors: token.map { [BearerTokenInterceptor(token: $0)] } ?? []))
        do {
            let result = try await body(client)
            await transport.close()
            return result
        } catch let error as RPCError {
            await transport.close()
            throw failure(error)
        } catch {
            await transport.close()
            throw error
        }
    }

    /// The message for a failed call.
    func failure(_ error: RPCError) -> CLIFailure {
        if error.code == .unavailable, error.message.hasPrefix("cannot connect") {
            let fix = switch role {
            case .gateway, .knowledgeBase:
                "Is the stack running? Start it with `lifelong up`, or give the address (--\(role.option) HOST:PORT or $\(role.variable))."
            case .service:
                "Is it running? `lifelong up` starts the local stack."
            case .edge:
                "Is the node running? `lifelong up --job-id JOB` or `lifelong edge start --job JOB` starts local edges."
            }
            let reason = error.message.contains("Connection refused") ? "connection refused" : error.message
            return CLIFailure(.unreachable, "cannot reach \(role.rawValue) at \(endpoint) (\(reason)). \(fix)")
        }
        var hint = ""
        switch error.code {
        case .unauthenticated, .permissionDenied:
            hint = " (check --token-file / $LIFELONG_TOKEN_FILE)"
        case .deadlineExceeded:
            hint = " (the call took too long)"
        case .unimplemented:
            hint = " (\(role.rawValue) at \(endpoint) does not offer this call; is it the right address?)"
        default:
            break
        }
        return CLIFailure(.rpc, "\(role.rawValue) at \(endpoint) answered \(error.code): \(error.message)\(hint)")
    }
}

extension ServiceConnection.Role {
    /// The option that names its address.
    var option: String {
        switch self {
        case .gateway: "gateway"
        case .knowledgeBase: "kb"
        case .edge: "edge"
        case .service: "address"
        }
    }

    /// The variable that names its address.
    var variable: String {
        switch self {
        case .gateway: "LIFELONG_GATEWAY"
        case .knowledgeBase: "LIFELONG_KB"
        case .edge, .service: ""
        }
    }
}
