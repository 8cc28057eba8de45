import Foundation
public import HTTP2Transport
public import LifelongProto
public import Logging
public import RPCCore
public import ServiceAuth
public import ServiceHost
public import ServiceLifecycle

/// Runs hosted services in-process for tests, as HummingbirdTesting does for applications:
/// the whole host (interceptors, authentication, health, reflection, metrics endpoint) on
/// 127.0.0.1, port 0, a connected HTTP/2 client carrying an admin token, and a graceful
/// shutdown at the end.
///
/// ```swift
/// try await TestServiceHost.withRunning(services: [echo]) { running in
///     let client = Echo.Client(wrapping: RPCClient(transport: running.transport))
///     ...
/// }
/// ```
public enum TestServiceHost {
    /// What a test gets while its application runs.
    public struct Running: Sendable {
        /// The application.
        public let application: ServiceApplication
        /// The gRPC port bound.
        public let port: Int
        /// The metrics port bound, when the options asked for one.
        public let metricsPort: Int?
        /// A client transport connected to `port` whose calls carry the admin token of
        /// ``TestServiceHost/tokens``.
        public let transport: InterceptedClientTransport
        /// The same connection without a token (``transport`` adds it): for calls that
        /// carry another token, or none.
        public let plainTransport: HTTP2ClientTransport

        /// The connection with `token` on every call (none for nil).
        public func transport(token: BearerToken?) -> InterceptedClientTransport {
            plainTransport.authenticated(with: token)
        }
    }

    /// The tokens of this test process, generated once in a temporary folder (removed when
    /// the process exits): admin, service, reader, and edge tokens for ``edgeNodes``.
    /// ``options`` accept them.
    public static let tokens: TokenDirectory = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "lifelong-test-tokens-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let tokens = try TokenDirectory.generate(at: path, edgeNodes: edgeNodes)
            testTokenFolder = path
            atexit { if let folder = testTokenFolder { try? FileManager.default.removeItem(atPath: folder) } }
            return tokens
        } catch {
            fatalError("cannot generate the test tokens in \(path): \(error)")
        }
    }()

    /// The nodes ``tokens`` has edge tokens for.
    public static let edgeNodes = ["edge-a", "edge-b"]

    /// The plain token of a scope from ``tokens``.
    public static func token(_ scope: TokenScope, node: String? = nil) -> BearerToken {
        do {
            return try tokens.token(scope, node: node)
        } catch {
            fatalError("the test token of \(scope) \(node ?? "") is missing: \(error)")
        }
    }

    /// The arguments that give a spawned service the test tokens: the token file it accepts
    /// and the service token it sends.
    public static var authArguments: [String] {
        ["--auth-tokens", tokens.storeFile, "--service-token-file", tokens.tokenFile(.service)]
    }

    /// The options of a test host: loopback, free ports for gRPC and metrics, a short grace
    /// period, authentication with ``tokens``.
    public static var options: HostOptions {
        var options = HostOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.metricsPort = 0
        options.shutdownGrace = 1
        // Plaintext: ArgumentParser's optionals have no value in a built `HostOptions` until set.
        options.tlsCertificate = nil
        options.tlsKey = nil
        options.serviceCA = nil
        options.authTokens = tokens.storeFile
        options.noAuth = false
        options.serviceTokenFile = tokens.tokenFile(.service)
        return options
    }

    /// The identity of test hosts.
    public static let identity = ServiceIdentity(
        executable: "lifelong-test", environmentPrefix: "LIFELONG_TEST", defaultPort: 0, loggerLabel: "lifelong.test")

    /// Assembles an application for `services` with test options and runs `body` against it.
    /// - Parameters:
    ///   - services: The services to host.
    ///   - interceptors: The services' own interceptors (error mapping, …).
    ///   - accessPolicy: Which scopes may call which methods; services and admin by default.
    ///   - options: Host options; ``options`` by default.
    ///   - serverConfiguration: Limits and windows.
    ///   - background: Long-running parts (pool, listener) started first, stopped last.
    ///   - dependencies: Probed for health.
    ///   - logger: Where the host logs; silent by default.
    ///   - body: The test.
    /// - Returns: What `body` returns.
    /// - Throws: What assembling, starting or `body` throws.
    public static func withRunning<T: Sendable>(
        services: [any RegistrableRPCService], interceptors: [any ServerInterceptor] = [],
        accessPolicy: AccessPolicy = .servicesOnly, options: HostOptions = TestServiceHost.options,
        serverConfiguration: HTTP2ServerConfiguration = .init(),
        background: [any Service] = [], dependencies: [DependencyProbe] = [],
        logger: Logger = HostLogging.silent,
        _ body: (Running) async throws -> T
    ) async throws -> T {
        let application = try ServiceApplication(
            identity: identity, options: options, logger: logger, services: services, interceptors: interceptors,
            accessPolicy: accessPolicy, serverConfiguration: serverConfiguration, dependencies: dependencies, background: background)
        return try await withRunning(application, body)
    }

    /// Runs an assembled application, then `body` with a connected client; shuts the
    /// application down gracefully and waits for it whether `body` returns or throws.
    /// - Throws: What starting or `body` throws.
    public static func withRunning<T: Sendable>(
        _ application: ServiceApplication, _ body: (Running) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            let outcome: Result<T, any Error>
            do {
                let port = try await application.port
                let metricsPort = try await application.metricsPort
                let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
                let running = Running(
                    application: application, port: port, metricsPort: metricsPort,
                    transport: transport.authenticated(with: token(.admin)), plainTransport: transport)
                do {
                    outcome = .success(try await body(running))
                } catch {
                    outcome = .failure(error)
                }
                await transport.close()
            } catch {
                outcome = .failure(error)
            }
            await application.triggerGracefulShutdown()
            try await group.waitForAll()
            return try outcome.get()
        }
    }
}

extension TestServiceHost.Running {
    /// Watches the server's health (`grpc.health.v1.Health/Watch` for "") in a task, handing
    /// each status to `record`, until NOT_SERVING arrives or the call ends.
    /// - Returns: The watching task (it throws when the call fails).
    public func watchHealth(
        record: @escaping @Sendable (Grpc_Health_V1_HealthCheckResponse.ServingStatus) -> Void
    ) -> Task<Void, any Error> {
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: plainTransport))
        return Task {
            try await health.watch(Grpc_Health_V1_HealthCheckRequest()) { response in
                for try await message in response.messages {
                    record(message.status)
                    if message.status == .notServing { return }
                }
            }
        }
    }
}

/// The folder ``TestServiceHost/tokens`` was generated in: set once, before the exit handler
/// that removes it is registered (a C exit handler cannot capture it).
nonisolated(unsafe) private var testTokenFolder: String?
