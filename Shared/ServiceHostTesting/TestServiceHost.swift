public import HTTP2Transport
public import LifelongProto
public import Logging
public import RPCCore
public import ServiceHost
public import ServiceLifecycle

/// Runs hosted services in-process for tests, as HummingbirdTesting does for applications:
/// the whole host (interceptors, health, reflection, metrics endpoint) on 127.0.0.1, port 0,
/// a connected HTTP/2 client, and a graceful shutdown at the end.
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
        /// A client transport connected to `port`.
        public let transport: HTTP2ClientTransport
    }

    /// The options of a test host: loopback, free ports for gRPC and metrics, a short grace period.
    public static var options: HostOptions {
        var options = HostOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.metricsPort = 0
        options.shutdownGrace = 1
        // Plaintext: ArgumentParser's optionals have no value in a built `HostOptions` until set.
        options.tlsCertificate = nil
        options.tlsKey = nil
        return options
    }

    /// The identity of test hosts.
    public static let identity = ServiceIdentity(
        executable: "lifelong-test", environmentPrefix: "LIFELONG_TEST", defaultPort: 0, loggerLabel: "lifelong.test")

    /// Assembles an application for `services` with test options and runs `body` against it.
    /// - Parameters:
    ///   - services: The services to host.
    ///   - interceptors: The services' own interceptors (error mapping, …).
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
        options: HostOptions = TestServiceHost.options, serverConfiguration: HTTP2ServerConfiguration = .init(),
        background: [any Service] = [], dependencies: [DependencyProbe] = [],
        logger: Logger = HostLogging.silent,
        _ body: (Running) async throws -> T
    ) async throws -> T {
        let application = try ServiceApplication(
            identity: identity, options: options, logger: logger, services: services, interceptors: interceptors,
            serverConfiguration: serverConfiguration, dependencies: dependencies, background: background)
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
                let running = Running(application: application, port: port, metricsPort: metricsPort, transport: transport)
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
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: transport))
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
