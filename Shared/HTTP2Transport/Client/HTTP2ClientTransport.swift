public import Logging
import MessageCompression
public import NIOCore
import NIOPosix
import NIOSSL
public import RPCCore
import Synchronization

/// A ``ClientTransport`` to one server address over one HTTP/2 connection (libnghttp2 on
/// SwiftNIO), multiplexing concurrent calls. The connection opens on the first call and
/// reopens after it closes; failed attempts back off exponentially, calls made meanwhile
/// fail fast with UNAVAILABLE.
///
/// ```swift
/// let transport = HTTP2ClientTransport(host: "127.0.0.1", port: 7101)
/// let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: transport))
/// ```
public final class HTTP2ClientTransport: ClientTransport {
    private struct Connection: Sendable {
        let channel: any Channel
        let handler: NIOLoopBound<ClientConnectionHandler>
    }

    private enum State {
        case idle
        case connecting(EventLoopFuture<Connection>)
        case ready(Connection)
        case backingOff(until: ContinuousClock.Instant, lastError: RPCError)
        case closed
    }

    /// What a TLS connection attempt needs.
    private struct ClientTLS: Sendable {
        let context: NIOSSLContext
        let serverHostname: String?
        /// Completed by `TLSHandshakeHandler`.
        let handshake: EventLoopPromise<Void>
    }

    private struct Shared {
        var state = State.idle
        var backoff: Duration?
    }

    /// The server's host.
    public let host: String
    /// The server's port.
    public let port: Int
    /// Limits and timeouts.
    public let configuration: HTTP2ClientConfiguration
    /// Where connection events are logged (connects, reconnects and their backoff, GOAWAY
    /// received, keepalive timeouts), with the server in `rpc.peer`.
    public let logger: Logger
    /// The loop every connection of this transport runs on.
    private let loop: any EventLoop
    private let loopExecutor: EventLoopTaskExecutor
    private let shared = Mutex(Shared())
    /// The `:authority` of every request.
    private let authority: String
    /// Prebuilt request headers by method path (see `headerBlock`).
    private let headerBlocks = Mutex<[String: StaticHeaderBlock]>([:])

    /// Creates a transport; it connects on the first call.
    /// - Parameters:
    ///   - host: The server's host name or address.
    ///   - port: The server's port.
    ///   - configuration: Limits and timeouts.
    ///   - eventLoopGroup: The group whose next loop runs this transport's connections; by default
    ///     the process-wide one.
    ///   - logger: Where connection events go; by default nowhere.
    public init(
        host: String, port: Int, configuration: HTTP2ClientConfiguration = .init(),
        eventLoopGroup: (any EventLoopGroup)? = nil, logger: Logger = HTTP2ClientTransport.defaultLogger
    ) {
        self.host = host
        self.port = port
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "rpc.peer"] = "\(host):\(port)"
        self.logger = logger
        self.loop = (eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton).next()
        self.loopExecutor = EventLoopTaskExecutor(loop: loop)
        self.authority = "\(host):\(port)"
    }

    /// The logger of a transport created without one: it discards everything.
    public static var defaultLogger: Logger {
        Logger(label: "lifelong.http2", factory: { _ in SwiftLogNoOpLogHandler() })
    }

    /// A task executor on the event loop of this transport's connections. A task that prefers
    /// it (`withTaskExecutorPreference(transport.executor) { … }`) makes its calls without waking
    /// another thread of this process: the request is written and the response resumes the task
    /// on the loop. For latency-sensitive callers that do little work between calls: while the
    /// task runs, the loop serves no other connection or call.
    public var executor: any TaskExecutor { loopExecutor }

    /// Closes the connection; calls in flight fail with UNAVAILABLE, later calls too.
    public func close() async {
        let state = shared.withLock { shared -> State in
            defer { shared.state = .closed }
            return shared.state
        }
        switch state {
        case .ready(let connection):
            try? await connection.channel.close()
        case .connecting(let future):
            if let connection = try? await future.get() { try? await connection.channel.close() }
        case .idle, .backingOff, .closed:
            break
        }
    }

    public func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        try Task.checkCancellation()
        let connection = try await connection()
        let loop = connection.channel.eventLoop
        let headers = requestHeaders(method: method, metadata: request.metadata, options: options)

        let head = loop.makePromise(of: Metadata.self)
        let call = ClientCallHandle(
            loop: loop, handler: connection.handler,
            maxSendMessageBytes: options.maxRequestMessageBytes ?? configuration.maxSendMessageBytes,
            compression: requestCompression(options))
        let parts = InboundMessageQueue<ResponsePart<[UInt8]>>(
            size: { part in if case .message(let bytes) = part { return bytes.count + 5 } else { return 0 } },
            onConsumed: { call.consumed($0) })
        let maxReceive = options.maxResponseMessageBytes ?? configuration.maxReceiveMessageBytes
        let timeout = options.timeout
        let requestHeaders = headers
        let opened: Int32? = try await loop.submit {
            connection.handler.value.open(
                headers: requestHeaders, head: head, parts: parts, maxReceiveMessageBytes: maxReceive, timeout: timeout)
        }.get()
        guard let streamID = opened else {
            try await head.futureResult.map { _ in () }.get()
            throw RPCError(code: .unavailable, message: "the call could not be started")
        }
        call.streamID.withLock { $0 = streamID }

        return try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    do {
                        try await request.producer(RPCWriter { try await call.write($0) })
                        call.endRequest()
                    } catch {
                        call.cancel(RPCError(code: .cancelled, message: "the request stream failed: \(error)", cause: error))
                    }
                    return nil
                }
                group.addTask {
                    let metadata = try await head.futureResult.get()
                    return try await handler(StreamingClientResponse(metadata: metadata, bodyParts: parts.sequence))
                }
                defer { call.cancel(RPCError(code: .cancelled, message: "the call was cancelled")) }
                while let outcome = try await group.next() {
                    if let result = outcome {
                        group.cancelAll()
                        // A handler may end quietly when cancelled; the call still failed.
                        if let error = call.cancellation { throw error }
                        return result
                    }
                }
                throw RPCError(code: .internalError, message: "the call ended without a result")
            }
        } onCancel: {
            let error = RPCError(code: .cancelled, message: "the call was cancelled")
            call.cancellation = error
            call.cancel(error)
        }
    }

    /// Runs a unary call in one hop to the connection's loop: the stream is opened with the
    /// request headers, the message and END_STREAM, and the loop resumes this task once, when
    /// the trailers arrived (or the call failed). Cancelling the task resets the stream.
    /// - Parameters:
    ///   - request: Metadata and the serialized request message.
    ///   - method: The method called.
    ///   - options: Timeout and limits.
    /// - Returns: The response headers, the serialized response message and the trailers.
    /// - Throws: ``RPCError``.
    public func unary(
        request: ClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions
    ) async throws -> ClientResponse<[UInt8]> {
        try Task.checkCancellation()
        let compression = requestCompression(options)
        let framed = try grpcFramed(
            request.message, limit: options.maxRequestMessageBytes ?? configuration.maxSendMessageBytes,
            compressor: compression == .identity ? nil : try MessageCompressor(compression))
        let connection: Connection
        if let ready = readyConnection() {
            connection = ready
        } else {
            connection = try await self.connection()
        }
        let loop = connection.channel.eventLoop
        let handler = connection.handler
        let headers: ClientConnectionHandler.RequestHeaders
        if request.metadata.isEmpty && options.timeout == nil && compression == .identity {
            headers = .block(headerBlock(method))
        } else {
            headers = .fields(requestHeaders(method: method, metadata: request.metadata, options: options))
        }
        let maxReceive = options.maxResponseMessageBytes ?? configuration.maxReceiveMessageBytes
        let timeout = options.timeout
        let cancellation = UnaryCallCancellation()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { continuation in
                if loop.inEventLoop {
                    // The task runs on the loop (see `executor`): no hop needed.
                    handler.value.openUnary(
                        headers: headers, request: framed, method: method, continuation: continuation,
                        cancellation: cancellation, maxReceiveMessageBytes: maxReceive, timeout: timeout)
                } else {
                    loop.execute {
                        handler.value.openUnary(
                            headers: headers, request: framed, method: method, continuation: continuation,
                            cancellation: cancellation, maxReceiveMessageBytes: maxReceive, timeout: timeout)
                    }
                }
            }
        } onCancel: {
            guard let streamID = cancellation.cancel() else { return }
            loop.execute {
                handler.value.cancel(streamID: streamID, error: RPCError(code: .cancelled, message: "the call was cancelled"))
            }
        }
    }

    /// The prebuilt request headers of a method's uncompressed calls without metadata or timeout (cached for
    /// up to 64 methods; others get a block of their own).
    private func headerBlock(_ method: MethodDescriptor) -> StaticHeaderBlock {
        if let block = headerBlocks.withLock({ $0[method.path] }) { return block }
        let uncompressed = CallOptions(compression: .identity)
        let block = StaticHeaderBlock(requestHeaders(method: method, metadata: [:], options: uncompressed))
        headerBlocks.withLock { blocks in
            if blocks.count < 64 { blocks[method.path] = block }
        }
        return block
    }

    /// The request headers of a call: the fixed ones, `grpc-encoding`, `grpc-timeout`, then the metadata.
    private func requestHeaders(method: MethodDescriptor, metadata: Metadata, options: CallOptions) -> [(String, String)] {
        var headers = [
            (":method", "POST"), (":scheme", configuration.tls == nil ? "http" : "https"), (":path", method.path), (":authority", authority),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "lifelong-grpc-swift/1.0"),
            ("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader),
        ]
        let compression = requestCompression(options)
        if compression != .identity { headers.append(("grpc-encoding", compression.name)) }
        if let timeout = options.timeout { headers.append(("grpc-timeout", GRPCTimeout.encode(timeout))) }
        if !metadata.isEmpty { headers += MetadataHeaders.fields(metadata) }
        return headers
    }

    /// How a call's request messages are compressed: its options', else the configuration's.
    private func requestCompression(_ options: CallOptions) -> CompressionAlgorithm {
        options.compression ?? configuration.requestCompression ?? .identity
    }

    // MARK: Connection management

    /// The open connection, if there is one (the common case, without a suspension point).
    private func readyConnection() -> Connection? {
        shared.withLock { shared in
            if case .ready(let connection) = shared.state { return connection }
            return nil
        }
    }

    private func connection() async throws -> Connection {
        enum Next {
            case use(Connection)
            case wait(EventLoopFuture<Connection>)
            case fail(RPCError)
            case connect(EventLoopPromise<Connection>)
        }
        let next: Next = shared.withLock { shared in
            switch shared.state {
            case .ready(let connection):
                return .use(connection)
            case .connecting(let future):
                return .wait(future)
            case .closed:
                return .fail(RPCError(code: .unavailable, message: "the transport is closed"))
            case .backingOff(let until, let lastError) where ContinuousClock.now < until:
                return .fail(lastError)
            case .idle, .backingOff:
                let promise = loop.makePromise(of: Connection.self)
                shared.state = .connecting(promise.futureResult)
                return .connect(promise)
            }
        }
        switch next {
        case .use(let connection): return connection
        case .wait(let future): return try await future.get()
        case .fail(let error): throw error
        case .connect(let promise):
            logger.debug("connecting")
            do {
                let connection = try await makeConnection()
                shared.withLock { shared in
                    if case .connecting = shared.state { shared.state = .ready(connection) }
                    shared.backoff = nil
                }
                logger.debug("connection opened")
                promise.succeed(connection)
                return connection
            } catch {
                let rpcError = RPCError(
                    code: .unavailable, message: "cannot connect to \(host):\(port): \(error)", cause: error)
                let backoff = shared.withLock { shared in
                    let backoff = shared.backoff.map { min($0 * 1.6, configuration.maxBackoff) } ?? configuration.initialBackoff
                    shared.backoff = backoff
                    if case .connecting = shared.state {
                        shared.state = .backingOff(until: .now.advanced(by: backoff), lastError: rpcError)
                    }
                    return backoff
                }
                logger.info(
                    "connect failed",
                    metadata: ["h2.reason": "\(error)", "h2.backoff_ms": "\(backoff.nanoseconds / 1_000_000)"])
                promise.fail(rpcError)
                throw rpcError
            }
        }
    }

    private func makeConnection() async throws -> Connection {
        let configuration = self.configuration
        let logger = self.logger
        let unusable: @Sendable (ObjectIdentifier) -> Void = { [weak self] id in self?.connectionUnusable(id) }
        let tls = try configuration.tls.map { settings in
            ClientTLS(context: try settings.makeContext(), serverHostname: settings.serverHostname(connectingTo: host),
                      handshake: loop.makePromise(of: Void.self))
        }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(Int64(configuration.connectTimeout.nanoseconds)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                let id = ObjectIdentifier(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverHostname))
                        try pipeline.addHandler(TLSHandshakeHandler(completed: tls.handshake))
                    }
                    try pipeline.addHandler(ClientConnectionHandler(configuration: configuration, logger: logger) { unusable(id) })
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            tls?.handshake.fail(error)
            throw error
        }
        if let tls {
            // The connect timeout bounds the handshake too: a server that never answers is closed.
            let timeout = loop.scheduleTask(in: .nanoseconds(Int64(configuration.connectTimeout.nanoseconds))) {
                channel.close(promise: nil)
            }
            defer { timeout.cancel() }
            do {
                try await tls.handshake.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw error
            }
        }
        let handler = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: ClientConnectionHandler.self), eventLoop: channel.eventLoop)
        }.get()
        return Connection(channel: channel, handler: handler)
    }

    private func connectionUnusable(_ id: ObjectIdentifier) {
        let dropped = shared.withLock { shared -> Bool in
            if case .ready(let connection) = shared.state, ObjectIdentifier(connection.channel) == id {
                shared.state = .idle
                return true
            }
            return false
        }
        if dropped { logger.debug("connection dropped; the next call reconnects") }
    }
}

/// What a call's tasks hold to reach its stream: every call hops to the connection's loop.
final class ClientCallHandle: Sendable {
    let loop: any EventLoop
    let handler: NIOLoopBound<ClientConnectionHandler>
    let maxSendMessageBytes: Int
    /// How request messages are compressed.
    let compression: CompressionAlgorithm
    /// Set once the stream is open; 0 before.
    let streamID = Mutex<Int32>(0)
    private let cancelled = Mutex<RPCError?>(nil)
    /// Made on the first request message to compress; only the request producer's task uses it.
    private let compressor = Mutex<MessageCompressor?>(nil)

    /// The error of a call cancelled by its task, if it was.
    var cancellation: RPCError? {
        get { cancelled.withLock { $0 } }
        set { cancelled.withLock { $0 = newValue } }
    }

    init(
        loop: any EventLoop, handler: NIOLoopBound<ClientConnectionHandler>, maxSendMessageBytes: Int,
        compression: CompressionAlgorithm = .identity
    ) {
        self.loop = loop
        self.handler = handler
        self.maxSendMessageBytes = maxSendMessageBytes
        self.compression = compression
    }

    private var id: Int32 { streamID.withLock { $0 } }

    func write(_ message: [UInt8]) async throws {
        try Task.checkCancellation()
        let framed = try frame(message)
        let id = self.id
        let handler = self.handler
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute { handler.value.write(streamID: id, bytes: framed, continuation: continuation) }
        }
    }

    private func frame(_ message: [UInt8]) throws(RPCError) -> [UInt8] {
        guard compression != .identity else { return try grpcFramed(message, limit: maxSendMessageBytes) }
        let (compression, limit) = (self.compression, maxSendMessageBytes)
        return try compressor.withLock { (compressor: inout MessageCompressor?) throws(RPCError) -> [UInt8] in
            if compressor == nil { compressor = try MessageCompressor(compression) }
            return try grpcFramed(message, limit: limit, compressor: compressor)
        }
    }

    func endRequest() {
        let id = self.id
        let handler = self.handler
        loop.execute { handler.value.endRequest(streamID: id) }
    }

    func cancel(_ error: RPCError) {
        let id = self.id
        guard id > 0 else { return }
        let handler = self.handler
        loop.execute { handler.value.cancel(streamID: id, error: error) }
    }

    func consumed(_ bytes: Int) {
        let id = self.id
        let handler = self.handler
        loop.execute { handler.value.consumed(streamID: id, bytes: bytes) }
    }
}
