internal import CNGHTTP2
import Logging
import NIOCore
import RPCCore

/// Drives one server connection. Bytes from the channel go into an nghttp2 server session
/// (through the shared ``HTTP2ChannelPump``); the session's events go to the connection's
/// ``ServerConnectionStateMachine`` and each call's ``ServerStreamStateMachine``, and this
/// handler performs what they decide: frames submitted, timers armed, handler tasks started,
/// the channel flushed or closed. Handlers run as tasks and reach back through
/// ``ServerCallResponder`` (which hops to the loop).
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    typealias Timer = ServerConnectionStateMachine.Timer

    /// Asks a connection to drain: GOAWAY, let calls finish within the grace period (when
    /// given), end those still open with UNAVAILABLE, close.
    struct GracefulShutdownEvent: Sendable {
        var gracePeriod: Duration?

        init(gracePeriod: Duration? = nil) {
            self.gracePeriod = gracePeriod
        }
    }

    let router: RPCRouter
    let configuration: HTTP2ServerConfiguration
    let observer: (any HTTP2ServerObserver)?
    var logger: Logger
    let pump = HTTP2ChannelPump()
    var connection: ServerConnectionStateMachine
    var timers: HTTP2ConnectionTimers<Timer>?
    var context: ChannelHandlerContext?
    var loopBound: NIOLoopBound<ServerConnectionHandler>?
    /// Runs unary handlers on this connection's loop when the configuration asks for it.
    var loopExecutor: EventLoopTaskExecutor?
    var streams: [Int32: ServerStream] = [:]
    var headerStrings = RequestHeaderStrings()
    /// The stream whose header block is being received (saves a lookup per header field).
    var headerStream: ServerStream?
    var peer = "unknown"
    /// Request bytes held for this connection's calls (see
    /// ``HTTP2ServerConfiguration/maxPendingInboundBytesPerConnection``).
    var pendingInboundBytes = 0
    /// Response bytes queued for this connection's calls and not yet taken by nghttp2.
    var pendingOutboundBytes = 0
    /// When the ``Timer/streamLimits`` timer fires, if armed.
    var streamLimitsDue: Duration?

    init(
        router: RPCRouter, configuration: HTTP2ServerConfiguration, logger: Logger,
        observer: (any HTTP2ServerObserver)? = nil
    ) {
        self.router = router
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.connection = ServerConnectionStateMachine(configuration: .init(configuration))
    }

    /// The loop's clock as the state machine reads it (virtual time on an embedded loop).
    var now: Duration {
        guard let context else { return .zero }
        return .nanoseconds(Int64(clamping: context.eventLoop.now.uptimeNanoseconds))
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        if configuration.runsUnaryHandlersOnEventLoop { loopExecutor = EventLoopTaskExecutor(loop: context.eventLoop) }
        timers = HTTP2ConnectionTimers(loop: context.eventLoop)
        if context.channel.isActive { opened(context.channel) }
        pump.start(
            context: context, role: .server,
            settings: HTTP2LocalSettings(
                enablePush: nil, maxConcurrentStreams: configuration.maxConcurrentStreams,
                initialStreamWindowBytes: configuration.initialStreamWindowBytes,
                maxHeaderListBytes: configuration.maxHeaderListBytes,
                connectionWindowBytes: configuration.connectionWindowBytes),
            delegate: self)
        perform(connection.started(now: now))
        if context.channel.isActive { flush() }
    }

    func channelActive(context: ChannelHandlerContext) {
        opened(context.channel)
        flush()
        context.fireChannelActive()
    }

    /// Learns the peer's address (for calls and logs) once the channel is active.
    private func opened(_ channel: any Channel) {
        guard peer == "unknown", let address = channel.remoteAddress else { return }
        switch address {
        case .v4: peer = "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .v6: peer = "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .unixDomainSocket: peer = "unix:\(address.pathname ?? "")"
        }
        logger[metadataKey: "rpc.peer"] = "\(peer)"
        logger.debug("connection opened")
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        observer?.bytesReceived(buffer.readableBytes)
        guard connection.state != .closed else { return }
        let result = pump.receive(buffer)
        if result < 0 {
            // Flooding, a bad preface or a fatal protocol error: nothing more is read.
            let reason = NGHTTP2Session.describe(error: result)
            logger.debug("protocol error", metadata: ["h2.reason": "\(reason)"])
            perform(connection.protocolError(reason: reason))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One socket write for everything the reads of this batch produced.
        flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        perform(connection.writabilityChanged(isWritable: context.channel.isWritable))
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let shutdown = event as? GracefulShutdownEvent {
            perform(connection.gracefulShutdownRequested(gracePeriod: shutdown.gracePeriod))
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        logger.debug("connection closed", metadata: ["h2.open_streams": "\(streams.count)"])
        perform(connection.channelInactive())
        streams.removeAll()
        headerStream = nil
        context.fireChannelInactive()
    }

    /// The channel closed and the pipeline let the handler go: break the cycles through the
    /// context, the loop-bound self-reference, the timers and the session so that the handler,
    /// its session and its buffers are freed (calls still running hold it only until they end).
    func handlerRemoved(context: ChannelHandlerContext) {
        timers?.cancelAll()
        timers = nil
        streams.removeAll()
        headerStream = nil
        pump.release()
        self.context = nil
        loopBound = nil
        loopExecutor = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["h2.reason": "\(error)"])
        perform(connection.protocolError(reason: "\(error)"))
    }

    // MARK: Performing actions

    /// Writes what the session has queued, then lets the state machine decide on closing.
    func flush() {
        switch pump.flush() {
        case .skipped:
            return
        case .failed:
            perform(connection.protocolError(reason: "nghttp2 failed to produce frames"))
        case .flushed(let bytes, let sessionActive, let wantsWrite):
            if bytes > 0 { observer?.bytesSent(bytes) }
            if !streams.isEmpty { trackFlowControlBlocking(sessionWantsWrite: wantsWrite) }
            if let action = connection.flushed(sessionActive: sessionActive, wantsWrite: wantsWrite) { perform(action) }
        }
    }

    /// Flushes after the tasks the loop has queued so far (responses of one tick share a write).
    func scheduleFlush() {
        guard let loopBound else { return }
        pump.scheduleFlush(loopBound) { $0.flush() }
    }

    func perform(_ actions: [ServerConnectionStateMachine.Action]) {
        for action in actions { perform(action) }
    }

    func perform(_ action: ServerConnectionStateMachine.Action) {
        switch action {
        case .scheduleTimer(let timer, let delay):
            guard let loopBound else { return }
            timers?.schedule(timer, after: delay, owner: loopBound) { $0.timerFired(timer) }
        case .cancelTimer(let timer):
            timers?.cancel(timer)
        case .cancelAllTimers:
            timers?.cancelAll()
        case .sendShutdownNotice:
            pump.session?.submitShutdownNotice()
            logger.debug(
                "GOAWAY sent",
                metadata: ["h2.error_code": "NO_ERROR", "h2.last_stream_id": "\(Int32.max)", "h2.reason": "shutdown"])
        case .sendPing(let opaque):
            pump.session?.submitPing(opaque: opaque)
        case .sendGoAway(let lastStreamID, let errorCode, let reason):
            pump.session?.submitGoAway(lastStreamID: lastStreamID, errorCode: errorCode.rawValue, debug: reason)
            logGoAwaySent(lastStreamID: lastStreamID, errorCode: errorCode, reason: reason)
        case .terminateSession(let errorCode, let reason):
            pump.session?.terminate(errorCode: errorCode.rawValue)
            logGoAwaySent(lastStreamID: pump.session?.lastProcessedStreamID ?? 0, errorCode: errorCode, reason: reason)
        case .abandonStreams(let code, let message):
            let error = RPCError(code: code, message: message)
            for stream in streams.values { abandon(stream, error: error) }
        case .endStreams(let code, let message):
            let error = RPCError(code: code, message: message)
            if !streams.isEmpty {
                logger.debug("ending calls", metadata: ["h2.open_streams": "\(streams.count)", "h2.reason": "\(message)"])
            }
            for stream in streams.values { fail(stream, error: error, discardingQueued: true) }
        case .flush:
            flush()
        case .closeNow(let reason):
            logger.debug("closing", metadata: ["h2.reason": "\(reason)"])
            timers?.cancelAll()
            pump.closeNow()
        case .lingerClose:
            timers?.cancelAll()
            pump.lingerClose(after: configuration.closeLingerTime)
        }
    }

    func timerFired(_ timer: Timer) {
        if timer == .streamLimits {
            enforceStreamLimits()
            return
        }
        let actions = connection.timerFired(timer, now: now)
        switch timer {
        case .preface, .header, .writeStall, .keepaliveAck:
            if !actions.isEmpty {
                logger.info("timeout", metadata: ["h2.reason": "\(timer)"])
                observer?.limitReached(Self.limit(of: timer))
            }
        case .idle, .maxAge:
            if actions.contains(.sendShutdownNotice) {
                logger.debug("timeout", metadata: ["h2.reason": "\(timer)"])
                observer?.limitReached(Self.limit(of: timer))
            }
        case .shutdownPing, .gracePeriod:
            if !actions.isEmpty { logger.debug("timeout", metadata: ["h2.reason": "\(timer)"]) }
        case .keepalive, .streamLimits:
            break
        }
        perform(actions)
    }

    private static func limit(of timer: Timer) -> HTTP2ServerLimit {
        switch timer {
        case .preface: .prefaceTimeout
        case .header: .headerTimeout
        case .writeStall: .writeStall
        case .keepaliveAck: .keepaliveTimeout
        case .idle: .idleTimeout
        default: .connectionAge
        }
    }

    private func logGoAwaySent(lastStreamID: Int32, errorCode: HTTP2ErrorCode, reason: String) {
        let metadata: Logger.Metadata = [
            "h2.error_code": "\(errorCode)", "h2.last_stream_id": "\(lastStreamID)", "h2.reason": "\(reason)",
        ]
        if errorCode == .noError {
            logger.debug("GOAWAY sent", metadata: metadata)
        } else {
            logger.info("GOAWAY sent", metadata: metadata)
        }
    }
}
