public import HTTP2Transport
public import Logging
public import RPCCore
public import ServiceAuth
public import ServiceLifecycle
import StandardServices
import UnixSignals

/// One hosted executable: the gRPC server with health and reflection, the interceptors every
/// service gets, the metrics endpoint, dependency health, and the service's own long-running
/// parts, in one swift-service-lifecycle `ServiceGroup`.
///
/// Order matters for shutdown, which runs in reverse: the gRPC server drains first (health
/// NOT_SERVING before anything else), then the metrics endpoint and the monitor stop, and the
/// `background` services (a PostgreSQL listener, the pool) stop last, so no call in its grace
/// period ever finds its database closed.
///
/// ```swift
/// let app = try ServiceApplication(identity: Self.identity, options: host, logger: logger,
///     services: [kb.service], interceptors: kb.interceptors,
///     background: [PostgresPoolService(kb.pool)], dependencies: [probe.probe])
/// try await app.run()
/// ```
public final class ServiceApplication: Sendable {
    /// The health the server reports.
    public let health: ServiceHealth
    /// The service's metrics (render them, or register more).
    public let metrics: HostMetrics
    /// The router the server serves, interceptors applied.
    public let router: RPCRouter
    private let server: HTTP2Server
    private let rpcServer: RPCServerService
    private let metricsEndpoint: MetricsEndpoint?
    private let group: ServiceGroup

    /// Assembles the application; nothing runs until ``run()``.
    /// - Parameters:
    ///   - identity: The executable.
    ///   - options: Host, ports, shutdown grace.
    ///   - logger: The service's logger.
    ///   - metrics: Where metrics go.
    ///   - services: The gRPC services hosted (health and reflection are added).
    ///   - interceptors: The services' own interceptors (e.g. their error mapping), after
    ///     tracing, logging, metrics and authentication.
    ///   - accessPolicy: Which token scopes may call which methods, when `options` turn
    ///     authentication on (the default): service and admin tokens for every method unless
    ///     the service says otherwise; health and reflection open.
    ///   - serverConfiguration: Limits and windows; host and port come from `options`.
    ///   - dependencies: Probed for health.
    ///   - background: Long-running parts started first and stopped last.
    ///   - handleSignals: Whether SIGTERM/SIGINT shut down gracefully (and a second forces exit),
    ///     and SIGHUP rereads the TLS files.
    ///   - prepare: Runs before the server binds (migrations).
    /// - Throws: ``AuthConfigurationError`` when `options` give neither a token file nor
    ///   `--no-auth`, or a token file that cannot be read or parsed; ``TLSSetupError`` when
    ///   they name TLS files that are missing, unreadable or invalid; an error when the
    ///   reflection descriptors cannot be decoded.
    public init(
        identity: ServiceIdentity, options: HostOptions, logger: Logger, metrics: HostMetrics = HostMetrics(),
        services: [any RegistrableRPCService],
        interceptors: [any ServerInterceptor] = [], accessPolicy: AccessPolicy = .servicesOnly,
        serverConfiguration: HTTP2ServerConfiguration = .init(),
        dependencies: [DependencyProbe] = [], background: [any Service] = [], handleSignals: Bool = false,
        prepare: @escaping @Sendable () async throws -> Void = {}
    ) throws {
        // Refuse to start, before any other work, without a decision on authentication.
        let authentication: [any ServerInterceptor]
        switch try options.authentication(for: identity) {
        case .tokens(let store):
            authentication = [AuthServerInterceptor(store: store, policy: accessPolicy)]
        case .disabled:
            authentication = []
            logger.warning("authentication is off (--no-auth): every call is accepted without a token")
        }
        var applicationRouter = RPCRouter()
        for service in services { service.registerMethods(with: &applicationRouter) }
        let health = ServiceHealth(serviceNames: applicationRouter.serviceNames, logger: logger)
        let (hosted, _) = try StandardServices.router(hosting: services, health: health.service)
        // Authentication comes after the observing interceptors, so that rejected calls are
        // logged and counted with their status like any other (the token never is).
        let standard: [any ServerInterceptor] = [
            TracingServerInterceptor(), LoggingServerInterceptor(logger: logger), MetricsServerInterceptor(metrics: metrics),
        ]
        router = hosted.intercepted(by: standard + authentication + interceptors)

        var configuration = serverConfiguration
        configuration.host = options.host
        configuration.port = options.port
        configuration.shutdownGracePeriod = options.shutdownGracePeriod
        configuration.tls = options.tls
        let server = HTTP2Server(
            configuration: configuration, router: router, logger: logger, observer: ConnectionMetrics(metrics: metrics))
        // Refuse to start, before any other work, when the TLS files cannot be used.
        try server.reloadTLS()
        rpcServer = RPCServerService(
            server: server, health: health, identity: identity, gracePeriod: options.shutdownGracePeriod, logger: logger,
            prepare: prepare)
        metricsEndpoint = options.metricsPort.map {
            MetricsEndpoint(host: options.host, port: $0, metrics: metrics, logger: logger)
        }
        var members: [any Service] = background
        members.append(DependencyMonitor(probes: dependencies, health: health))
        if let metricsEndpoint { members.append(metricsEndpoint) }
        if handleSignals { members.append(ForcedExitOnSecondSignal(logger: logger)) }
        if handleSignals, configuration.tls != nil { members.append(TLSReloadOnHangup(server: server, logger: logger)) }
        members.append(rpcServer)
        let configurations = members.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        var groupConfiguration = ServiceGroupConfiguration(services: configurations, logger: logger)
        if handleSignals { groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint] }
        group = ServiceGroup(configuration: groupConfiguration)
        self.server = server
        self.health = health
        self.metrics = metrics
    }

    /// Rereads the gRPC port's TLS certificate and key (what SIGHUP does): new connections get
    /// the new certificate, open ones keep theirs. Does nothing without TLS.
    /// - Throws: ``TLSSetupError`` naming the file that cannot be used; the previous
    ///   certificate then stays in use.
    public func reloadTLS() throws(TLSSetupError) {
        try server.reloadTLS()
    }

    /// Runs every part until a graceful shutdown (a signal, or ``triggerGracefulShutdown()``)
    /// has stopped them all, or one of them fails.
    public func run() async throws {
        try await group.run()
    }

    /// Starts the graceful shutdown (what SIGTERM does).
    public func triggerGracefulShutdown() async {
        await group.triggerGracefulShutdown()
    }

    /// The gRPC port, once bound.
    public var port: Int {
        get async throws { try await rpcServer.port }
    }

    /// The metrics port, once bound; nil without a metrics endpoint.
    public var metricsPort: Int? {
        get async throws {
            guard let metricsEndpoint else { return nil }
            return try await metricsEndpoint.boundPort
        }
    }
}
