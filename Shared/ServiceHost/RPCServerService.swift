#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import HTTP2Transport
public import Logging
public import ServiceLifecycle

/// The gRPC server as a service. `run()` prepares (e.g. migrates the database, retrying while
/// it is unreachable), binds, prints `<executable> listening on <host>:<port>` (the line tools
/// wait for), and serves until the group shuts down gracefully; then health turns
/// NOT_SERVING, the server stops accepting and sends GOAWAY, in-flight calls get the grace
/// period, and what is still open ends with UNAVAILABLE.
public final class RPCServerService: Service, Sendable, CustomStringConvertible {
    public var description: String { "RPCServer" }

    private let server: HTTP2Server
    private let health: ServiceHealth
    private let identity: ServiceIdentity
    private let gracePeriod: Duration
    private let logger: Logger
    private let prepare: @Sendable () async throws -> Void
    private let bound = BoundPort()

    /// Creates the service.
    /// - Parameters:
    ///   - server: The configured server (not started).
    ///   - health: Turned NOT_SERVING first thing on shutdown.
    ///   - identity: Names the executable in the "listening" line.
    ///   - gracePeriod: Time in-flight calls get on shutdown.
    ///   - logger: Where to log.
    ///   - prepare: Runs before the server binds; a graceful shutdown cancels it.
    public init(
        server: HTTP2Server, health: ServiceHealth, identity: ServiceIdentity, gracePeriod: Duration, logger: Logger,
        prepare: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.server = server
        self.health = health
        self.identity = identity
        self.gracePeriod = gracePeriod
        self.logger = logger
        self.prepare = prepare
    }

    /// The port listened on, once bound.
    public var port: Int {
        get async throws { try await bound.value }
    }

    public func run() async throws {
        let port: Int
        do {
            try await cancelWhenGracefulShutdown { try await self.prepare() }
            if Task.isCancelled || isShuttingDown { throw CancellationError() }
            port = try await server.start()
        } catch {
            bound.fail(error)
            if error is CancellationError { return }
            throw error
        }
        bound.succeed(port)
        let host = server.configuration.host
        print("\(identity.executable) listening on \(host):\(port)")
        fflush(nil)
        logger.info(
            "serving", metadata: ["rpc.host": "\(host)", "rpc.port": "\(port)", "rpc.tls": "\(server.configuration.tls != nil)"])
        try? await gracefulShutdown()
        health.beginShutdown()
        logger.info("draining calls", metadata: ["rpc.grace_period": "\(gracePeriod)"])
        await server.shutdown(gracePeriod: gracePeriod)
        logger.info("server stopped")
    }

    private var isShuttingDown: Bool {
        (try? Task.checkCancellation()) == nil
    }
}
