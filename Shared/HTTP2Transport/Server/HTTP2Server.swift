public import Logging
public import NIOCore
import NIOPosix
public import RPCCore
import Synchronization

/// A gRPC server over HTTP/2: SwiftNIO accepts connections and runs one event loop per core,
/// libnghttp2 speaks HTTP/2 on each connection, and calls are routed to the registered
/// services, whose handlers run as Swift tasks.
///
/// ```swift
/// let server = HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), services: [echo])
/// let port = try await server.start()
/// // ...
/// await server.shutdown()
/// ```
public final class HTTP2Server: Sendable {
    private enum State {
        case idle
        case starting
        case running(any Channel)
        case stopping
        case stopped
    }

    private struct Shared {
        var state = State.idle
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// Open connections per remote address.
        var perAddress: [String: Int] = [:]
    }

    /// The configuration the server was created with.
    public let configuration: HTTP2ServerConfiguration
    /// The methods the server routes to.
    public let router: RPCRouter
    /// Where connection events are logged (opened and closed at debug, GOAWAYs, timeouts,
    /// protocol errors), with the peer in `rpc.peer`.
    public let logger: Logger
    /// Receives connection counts and socket bytes, if set.
    public let observer: (any HTTP2ServerObserver)?
    private let group: any EventLoopGroup
    private let shared = Mutex(Shared())
    /// The certificate new connections get, when the server serves TLS.
    private let tls: ServerTLSContext?

    /// Creates a server; it listens once ``start()`` is called.
    /// - Parameters:
    ///   - configuration: Address, limits and timeouts.
    ///   - router: The methods to serve.
    ///   - eventLoopGroup: The loops to run on; by default one per core, shared process-wide.
    ///   - logger: Where connection events go; by default nowhere.
    ///   - observer: Told of connections and socket bytes (for metrics); by default none.
    public init(
        configuration: HTTP2ServerConfiguration = .init(), router: RPCRouter,
        eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger = HTTP2Server.defaultLogger,
        observer: (any HTTP2ServerObserver)? = nil
    ) {
        self.configuration = configuration
        self.router = router
        self.group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.logger = logger
        self.observer = observer
        self.tls = configuration.tls.map(ServerTLSContext.init(settings:))
    }

    /// Creates a server hosting the given services.
    /// - Parameters:
    ///   - configuration: Address, limits and timeouts.
    ///   - services: The services to serve.
    ///   - eventLoopGroup: The loops to run on; by default one per core, shared process-wide.
    ///   - logger: Where connection events go; by default nowhere.
    ///   - observer: Told of connections and socket bytes (for metrics); by default none.
    public convenience init(
        configuration: HTTP2ServerConfiguration = .init(), services: [any RegistrableRPCService],
        eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger = HTTP2Server.defaultLogger,
        observer: (any HTTP2ServerObserver)? = nil
    ) {
        var router = RPCRouter()
        for service in services { service.registerMethods(with: &router) }
        self.init(
            configuration: configuration, router: router, eventLoopGroup: eventLoopGroup, logger: logger,
            observer: observer)
    }

    /// The logger of a server created without one: it discards everything.
    public static var defaultLogger: Logger {
        Logger(label: "lifelong.http2", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// Reads the TLS certificate chain and key files (``HTTP2ServerConfiguration/tls``) again:
    /// connections accepted from now on present the new certificate, open ones keep theirs.
    /// Does nothing for a plaintext server. ``start()`` calls it when it was not called before.
    /// - Throws: ``TLSSetupError`` naming the file that is missing, unreadable or invalid; the
    ///   previous certificate then stays in use.
    public func reloadTLS() throws(TLSSetupError) {
        try tls?.reload()
    }

    /// Binds and starts accepting connections.
    /// - Returns: The port listened on (useful with port 0).
    /// - Throws: ``TLSSetupError`` when the TLS files cannot be used; an error when the address
    ///   cannot be bound or the server was already started.
    @discardableResult
    public func start() async throws -> Int {
        try shared.withLock { shared in
            guard case .idle = shared.state else {
                throw RPCError(code: .failedPrecondition, message: "the server was already started")
            }
            shared.state = .starting
        }
        let router = self.router
        let configuration = self.configuration
        let logger = self.logger
        let observer = self.observer
        let tls = self.tls
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelInitializer { [weak self] channel in
                let admission = self?.admit(channel) ?? .stopping
                // The bootstrap closes it.
                if case .stopping = admission { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    // TLS first: even a refused connection is told why over TLS.
                    if let handler = tls?.makeHandler() { try pipeline.addHandler(handler) }
                    switch admission {
                    case .refused(let reason):
                        try pipeline.addHandler(ConnectionRefusalHandler(reason: reason, lingerTime: configuration.closeLingerTime))
                    case .accepted:
                        try pipeline.addHandler(
                            ServerConnectionHandler(router: router, configuration: configuration, logger: logger, observer: observer))
                    case .stopping:
                        break
                    }
                }
            }
        do {
            if let tls, !tls.isLoaded { try tls.reload() }
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            let stopped = shared.withLock { shared -> Bool in
                guard case .starting = shared.state else { return true }
                shared.state = .running(channel)
                return false
            }
            if stopped {
                try? await channel.close()
                throw RPCError(code: .unavailable, message: "the server was shut down while starting")
            }
            return channel.localAddress?.port ?? configuration.port
        } catch {
            shared.withLock { $0.state = .stopped }
            throw error
        }
    }

    /// The port listened on, once started.
    public var port: Int? {
        shared.withLock { shared in
            if case .running(let channel) = shared.state { return channel.localAddress?.port }
            return nil
        }
    }

    /// Stops accepting, sends GOAWAY and a PING on every connection (the final GOAWAY follows
    /// the PING's ack), lets in-flight calls finish within the grace period, then ends the calls
    /// still open with UNAVAILABLE (sent to their clients) and closes the connections.
    /// - Parameter gracePeriod: Overrides the configured grace period.
    public func shutdown(gracePeriod: Duration? = nil) async {
        let listener: (any Channel)? = shared.withLock { shared in
            defer { shared.state = .stopping }
            if case .running(let channel) = shared.state { return channel }
            return nil
        }
        try? await listener?.close()
        let connections = shared.withLock { Array($0.connections.values) }
        let grace = gracePeriod ?? configuration.shutdownGracePeriod
        logger.debug(
            "shutting down",
            metadata: ["h2.connections": "\(connections.count)", "h2.grace_ms": "\(grace.nanoseconds / 1_000_000)"])
        let event = ServerConnectionHandler.GracefulShutdownEvent(gracePeriod: grace)
        for connection in connections { connection.pipeline.fireUserInboundEventTriggered(event) }
        // The connections end their calls when the grace period is over and close after
        // lingering; this only catches one that does not.
        let backstop = grace + configuration.closeLingerTime + .seconds(1)
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                group.addTask {
                    let closed = connection.closeFuture
                    let timer = connection.eventLoop.scheduleTask(in: .nanoseconds(Int64(backstop.nanoseconds))) {
                        connection.close(promise: nil)
                    }
                    try? await closed.get()
                    timer.cancel()
                }
            }
        }
        shared.withLock { $0.state = .stopped }
    }

    /// What becomes of an accepted connection.
    private enum Admission {
        /// Served.
        case accepted
        /// Closed: the server is stopping.
        case stopping
        /// Told why (GOAWAY) and closed: a connection limit is reached.
        case refused(HTTP2ConnectionRejection)
    }

    /// Registers an accepted connection, unless the server is stopping or a connection limit
    /// is reached.
    private func admit(_ channel: any Channel) -> Admission {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let outcome = shared.withLock { shared -> Admission in
            switch shared.state {
            case .running, .starting: break
            default: return .stopping
            }
            if shared.connections.count >= configuration.maxConnections { return .refused(.tooManyConnections) }
            if shared.perAddress[address, default: 0] >= configuration.maxConnectionsPerAddress {
                return .refused(.tooManyFromAddress)
            }
            shared.connections[id] = channel
            shared.perAddress[address, default: 0] += 1
            return .accepted
        }
        switch outcome {
        case .stopping:
            return .stopping
        case .refused(let reason):
            logger.warning("connection refused", metadata: ["rpc.peer": "\(address)", "h2.reason": "\(reason.rawValue)"])
            observer?.connectionRejected(reason)
            return outcome
        case .accepted:
            break
        }
        let observer = self.observer
        observer?.connectionOpened()
        channel.closeFuture.whenComplete { [weak self] _ in
            self?.shared.withLock { shared in
                _ = shared.connections.removeValue(forKey: id)
                let left = shared.perAddress[address, default: 1] - 1
                shared.perAddress[address] = left > 0 ? left : nil
            }
            observer?.connectionClosed()
        }
        return .accepted
    }
}
