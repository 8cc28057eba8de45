internal import CNGHTTP2
import NIOCore
import RPCCore

/// Drives one server connection: bytes from the channel go into an nghttp2 server session,
/// whose events start and feed calls; what the session wants to send goes to the channel.
/// Handlers run as tasks and reach back through ``ServerStreamHandle`` (a hop to the loop).
final class ServerConnectionHandler: ChannelInboundHandler, NGHTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Asks a connection to drain: GOAWAY, let calls finish, close.
    struct GracefulShutdownEvent: Sendable {}

    private enum State {
        case active
        /// The GOAWAY notice and a PING went out; the final GOAWAY follows the PING's ack.
        case draining
        /// The final GOAWAY went out; the connection closes when its calls are done.
        case closing
        case closed
    }

    private static let shutdownPing: UInt64 = 0x6C69_6665_6C6F_6E67

    private let router: RPCRouter
    private let configuration: HTTP2ServerConfiguration
    private var session: NGHTTP2Session?
    private var context: ChannelHandlerContext?
    private var loopBound: NIOLoopBound<ServerConnectionHandler>?
    private var streams: [Int32: ServerStream] = [:]
    private var state = State.active
    private var pingStrikes = 0
    private var receiving = false
    private var peer = "unknown"
    private var prefaceTimer: Scheduled<Void>?
    private var headerTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var stallTimer: Scheduled<Void>?
    private var shutdownPingTimer: Scheduled<Void>?
    /// A GOAWAY with an error code is queued; the connection closes once it is written.
    private var closeAfterGoAway = false

    init(router: RPCRouter, configuration: HTTP2ServerConfiguration) {
        self.router = router
        self.configuration = configuration
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        if let address = context.channel.remoteAddress {
            switch address {
            case .v4: peer = "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
            case .v6: peer = "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
            case .unixDomainSocket: peer = "unix:\(address.pathname ?? "")"
            }
        }
        let session = NGHTTP2Session(role: .server, options: .init(), delegate: self)
        self.session = session
        session.submitSettings([
            (Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), UInt32(configuration.maxConcurrentStreams)),
            (Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), UInt32(configuration.maxHeaderListBytes)),
            (Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), UInt32(configuration.initialStreamWindowBytes)),
        ])
        session.setLocalConnectionWindow(Int32(configuration.connectionWindowBytes))
        prefaceTimer = schedule(after: configuration.prefaceTimeout) { handler in
            handler.closeNow()
        }
        if context.channel.isActive { flush() }
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let session, state != .closed else { return }
        receiving = true
        let result = buffer.withUnsafeReadableBytes { session.receive($0) }
        receiving = false
        if result < 0 {
            // Flooding, a bad preface or a fatal protocol error: nothing more is read.
            closeNow()
            return
        }
        flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallTimer?.cancel()
            stallTimer = nil
            flush()
        } else if stallTimer == nil {
            // The peer stopped reading while we have frames for it: do not wait forever.
            stallTimer = schedule(after: configuration.writeStallTimeout) { $0.closeNow() }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is GracefulShutdownEvent {
            beginShutdown()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        cancelTimers()
        let error = RPCError(code: .unavailable, message: "the connection closed")
        for stream in streams.values { abandon(stream, error: error) }
        streams.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeNow()
    }

    // MARK: Writing

    /// Sends what nghttp2 has queued, while the channel accepts writes.
    private func flush() {
        guard let context, let session, !receiving, state != .closed, context.channel.isActive else { return }
        var wrote = false
        while context.channel.isWritable && session.wantsWrite {
            var buffer = context.channel.allocator.buffer(capacity: 16 << 10)
            guard session.send(into: &buffer, limit: 64 << 10) else {
                closeNow()
                return
            }
            guard buffer.readableBytes > 0 else { break }
            context.write(wrapOutboundOut(buffer), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
        if !session.isActive || (closeAfterGoAway && !session.wantsWrite) { lingerClose() }
    }

    /// Closes at once: for peers that broke the protocol badly or stopped reading.
    private func closeNow() {
        guard state != .closed, let context else { return }
        state = .closed
        cancelTimers()
        context.close(promise: nil)
    }

    /// Closes after a final GOAWAY: once everything is written, the output side is shut; what
    /// still arrives is read and dropped for ``HTTP2ServerConfiguration/closeLingerTime``, so
    /// that the kernel does not answer it with a reset that would destroy the GOAWAY in flight.
    private func lingerClose() {
        guard state != .closed, let context else { return }
        state = .closed
        cancelTimers()
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(configuration.closeLingerTime.nanoseconds))) {
            channel.close(promise: nil)
        }
    }

    private func cancelTimers() {
        for timer in [prefaceTimer, headerTimer, idleTimer, stallTimer, shutdownPingTimer] { timer?.cancel() }
        prefaceTimer = nil
        headerTimer = nil
        idleTimer = nil
        stallTimer = nil
        shutdownPingTimer = nil
    }

    private func schedule(after delay: Duration, _ body: @escaping (ServerConnectionHandler) -> Void) -> Scheduled<Void>? {
        guard let context, let loopBound else { return nil }
        let action = NIOLoopBound(body, eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: .nanoseconds(Int64(delay.nanoseconds))) {
            action.value(loopBound.value)
        }
    }

    private func updateIdleTimer() {
        idleTimer?.cancel()
        idleTimer = nil
        if streams.isEmpty, state == .active, prefaceTimer == nil {
            idleTimer = schedule(after: configuration.idleTimeout) { $0.beginShutdown() }
        }
    }

    // MARK: Shutdown

    private func beginShutdown() {
        guard state == .active, let session else { return }
        state = .draining
        session.submitShutdownNotice()
        session.submitPing(opaque: Self.shutdownPing)
        idleTimer?.cancel()
        idleTimer = nil
        shutdownPingTimer = schedule(after: configuration.shutdownPingTimeout) { handler in
            handler.sendFinalGoAway()
            handler.flush()
        }
        flush()
    }

    private func sendFinalGoAway() {
        guard state == .draining, let session else { return }
        shutdownPingTimer?.cancel()
        shutdownPingTimer = nil
        state = .closing
        session.submitGoAway(lastStreamID: session.lastProcessedStreamID, errorCode: NGHTTP2_NO_ERROR.rawValue, debug: "")
    }

    // MARK: Session events

    func sessionBeginHeaders(streamID: Int32) {
        guard streams[streamID] == nil else { return }
        streams[streamID] = ServerStream(
            id: streamID, maxReceiveMessageBytes: configuration.maxReceiveMessageBytes,
            writeBufferBytes: configuration.streamWriteBufferBytes)
        updateIdleTimer()
    }

    func sessionHeader(streamID: Int32, name: String, value: String) -> Bool {
        guard let stream = streams[streamID] else { return true }
        stream.headerBytes += name.utf8.count + value.utf8.count + 32
        if stream.headerBytes > configuration.maxHeaderListBytes {
            return false
        }
        if stream.request == .receivingHeaders { stream.headers.append((name, value)) }
        return true
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        guard let stream = streams[streamID] else { return }
        if stream.request == .receivingHeaders {
            startCall(stream, endStream: endStream)
        } else if endStream {
            sessionRemoteEnded(streamID: streamID)
        }
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        session?.consumeConnection(bytes.count)
        guard let stream = streams[streamID], stream.request == .open, stream.response != .ended, let inbound = stream.inbound else {
            session?.consumeStream(streamID, bytes.count)
            return
        }
        stream.unacknowledgedBytes += bytes.count
        do {
            for message in try stream.deframer.append(bytes) {
                stream.queuedBytes += message.count + 5
                inbound.push(message)
            }
        } catch {
            fail(stream, error: error)
        }
        acknowledgeIfRoom(stream)
    }

    func sessionRemoteEnded(streamID: Int32) {
        guard let stream = streams[streamID], stream.request == .open else { return }
        stream.request = .closed
        if stream.deframer.hasPartialMessage {
            fail(stream, error: RPCError(code: .internalError, message: "the request stream ended inside a message"))
        } else {
            stream.inbound?.finish()
        }
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if stream.response != .ended {
            abandon(stream, error: RPCError(code: .cancelled, message: "the client cancelled the call"))
        }
        stream.response = .ended
        stream.deadlineTimer?.cancel()
        if state == .active { updateIdleTimer() }
    }

    func sessionReadData(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool
    ) -> Int {
        guard let stream = streams[streamID] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        guard let result = stream.outbound.read(into: buffer, endOfData: &endOfData) else {
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        if endOfData, let trailers = result.trailers {
            noEndStream = true
            session?.submitTrailer(streamID: streamID, headers: trailers)
        }
        return result.count
    }

    func sessionFrameSent(streamID: Int32, type: UInt8, flags: UInt8) {
        let frameType = UInt32(type)
        guard frameType == NGHTTP2_HEADERS.rawValue || frameType == NGHTTP2_DATA.rawValue else { return }
        pingStrikes = 0
        guard flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0, let stream = streams[streamID] else { return }
        stream.response = .ended
        stream.deadlineTimer?.cancel()
        if stream.request != .closed {
            // The call is over; stop the client's upload rather than buffer it.
            session?.submitReset(streamID: streamID, errorCode: NGHTTP2_NO_ERROR.rawValue)
        }
    }

    func sessionPing(ack: Bool, opaque: UInt64) {
        if ack {
            if opaque == Self.shutdownPing { sendFinalGoAway() }
            return
        }
        pingStrikes += 1
        if pingStrikes > configuration.maxPingStrikes, state == .active || state == .draining, let session {
            state = .closing
            closeAfterGoAway = true
            session.submitGoAway(
                lastStreamID: session.lastProcessedStreamID, errorCode: NGHTTP2_ENHANCE_YOUR_CALM.rawValue,
                debug: "too_many_pings")
            let failure = RPCError(code: .unavailable, message: "the connection was closed for too many pings")
            for stream in streams.values { abandon(stream, error: failure) }
        }
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionSettingsReceived() {
        guard let prefaceTimer else { return }
        prefaceTimer.cancel()
        self.prefaceTimer = nil
        updateIdleTimer()
    }

    func sessionBeginFrame(type: UInt8, flags: UInt8) {
        let frameType = UInt32(type)
        let isHeaderBlock = frameType == NGHTTP2_HEADERS.rawValue || frameType == NGHTTP2_CONTINUATION.rawValue
        if isHeaderBlock && flags & UInt8(NGHTTP2_FLAG_END_HEADERS.rawValue) == 0 {
            // A header block stays open until a CONTINUATION with END_HEADERS: bound its time.
            if headerTimer == nil {
                headerTimer = schedule(after: configuration.headerTimeout) { handler in
                    handler.headerTimer = nil
                    handler.session?.terminate(errorCode: NGHTTP2_PROTOCOL_ERROR.rawValue)
                    handler.flush()
                }
            }
        } else {
            headerTimer?.cancel()
            headerTimer = nil
        }
    }

    // MARK: Calls

    private func startCall(_ stream: ServerStream, endStream: Bool) {
        guard let context, let loopBound else { return }
        stream.request = endStream ? .closed : .open
        guard let contentType = stream.header("content-type"), contentType.hasPrefix("application/grpc") else {
            respondHTTPError(stream, status: 415, message: "content-type must be application/grpc")
            return
        }
        if let encoding = stream.header("grpc-encoding"), encoding != "identity" {
            finish(stream, error: RPCError(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported"), trailers: [:])
            return
        }
        var deadline: ContinuousClock.Instant?
        var timeout: Duration?
        if let rawTimeout = stream.header("grpc-timeout") {
            guard let parsed = GRPCTimeout.parse(rawTimeout) else {
                finish(stream, error: RPCError(code: .internalError, message: "malformed grpc-timeout '\(rawTimeout)'"), trailers: [:])
                return
            }
            timeout = parsed
            deadline = ContinuousClock.now.advanced(by: parsed)
        }
        let path = stream.header(":path") ?? ""
        guard let route = router.route(forPath: path) else {
            let service = path.split(separator: "/").first.map(String.init) ?? ""
            let known = router.serviceNames.contains(service)
            let message = known ? "method \(path) is not implemented" : "service \(service) is not implemented"
            finish(stream, error: RPCError(code: .unimplemented, message: message), trailers: [:])
            return
        }

        let handle = ServerStreamHandle(
            loop: context.eventLoop, handler: loopBound, streamID: stream.id,
            maxSendMessageBytes: configuration.maxSendMessageBytes)
        let inbound = InboundMessageQueue<[UInt8]>(size: { $0.count + 5 }, onConsumed: { handle.consumed($0) })
        stream.inbound = inbound
        if endStream { inbound.finish() }
        if let timeout {
            stream.deadlineTimer = schedule(after: timeout) { handler in
                guard let stream = handler.streams[handle.streamID] else { return }
                handler.fail(stream, error: RPCError(code: .deadlineExceeded, message: "the call exceeded its deadline"))
                handler.flush()
            }
        }
        let metadata = MetadataHeaders.metadata(stream.headers)
        let request = StreamingServerRequest(metadata: metadata, messages: inbound.sequence)
        let serverContext = ServerContext(method: route.method, peer: peer, deadline: deadline, metadata: metadata)
        stream.headers = []
        stream.task = Self.spawn(route.handler, request: request, context: serverContext, handle: handle)
    }

    private static func spawn(
        _ handler: @escaping RawMethodHandler, request: StreamingServerRequest<[UInt8]>,
        context: ServerContext, handle: ServerStreamHandle
    ) -> Task<Void, Never> {
        Task { await run(handler, request: request, context: context, handle: handle) }
    }

    private static func run(
        _ handler: @escaping RawMethodHandler, request: StreamingServerRequest<[UInt8]>,
        context: ServerContext, handle: ServerStreamHandle
    ) async {
        do {
            let response = try await handler(request, context)
            handle.sendHeaders(response.metadata)
            let trailers = try await response.producer(RPCWriter { try await handle.write($0) })
            handle.finish(error: nil, trailers: trailers)
        } catch {
            let rpcError = RPCError(mapping: error)
            handle.finish(error: rpcError, trailers: rpcError.metadata)
        }
    }

    /// Ends a call with an error now: cancels its handler and sends the status.
    private func fail(_ stream: ServerStream, error: RPCError) {
        finish(stream, error: error, trailers: [:])
        stream.task?.cancel()
        stream.inbound?.fail(error)
        stream.outbound.failWaiters(error)
    }

    /// The stream is gone: cancel the handler, wake its readers and writers.
    private func abandon(_ stream: ServerStream, error: RPCError) {
        stream.response = .ended
        stream.deadlineTimer?.cancel()
        stream.task?.cancel()
        stream.inbound?.fail(error)
        stream.outbound.failWaiters(error)
    }

    private func acknowledgeIfRoom(_ stream: ServerStream) {
        guard stream.queuedBytes < configuration.initialStreamWindowBytes, stream.unacknowledgedBytes > 0 else { return }
        session?.consumeStream(stream.id, stream.unacknowledgedBytes)
        stream.unacknowledgedBytes = 0
    }

    private func respondHTTPError(_ stream: ServerStream, status: Int, message: String) {
        stream.response = .ended
        session?.submitResponse(
            streamID: stream.id,
            headers: [
                (":status", String(status)), ("content-type", "application/grpc"),
                ("grpc-status", String(RPCError.Code.internalError.rawValue)),
                ("grpc-message", GRPCStatusMessage.encode(message)),
            ], hasBody: false)
    }

    private static func statusFields(_ error: RPCError?, trailers: Metadata) -> [(String, String)] {
        var fields = [("grpc-status", String(error?.code.rawValue ?? 0))]
        if let error, !error.message.isEmpty {
            fields.append(("grpc-message", GRPCStatusMessage.encode(error.message)))
        }
        fields += MetadataHeaders.fields(trailers)
        return fields
    }

    private static func responseHeaderFields(_ metadata: Metadata) -> [(String, String)] {
        [(":status", "200"), ("content-type", "application/grpc"), ("grpc-accept-encoding", "identity")]
            + MetadataHeaders.fields(metadata)
    }

    // MARK: Requests from handler tasks (already on the loop)

    fileprivate func sendHeaders(streamID: Int32, metadata: Metadata) {
        guard let stream = streams[streamID], stream.response == .notStarted else { return }
        stream.response = .headersSent
        session?.submitResponse(streamID: streamID, headers: Self.responseHeaderFields(metadata), hasBody: true)
        flush()
    }

    fileprivate func write(streamID: Int32, bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard let stream = streams[streamID], stream.response == .headersSent else {
            continuation.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
            return
        }
        stream.outbound.enqueue(bytes, continuation: continuation)
        session?.resumeData(streamID: streamID)
        flush()
    }

    fileprivate func finish(streamID: Int32, error: RPCError?, trailers: Metadata) {
        guard let stream = streams[streamID] else { return }
        finish(stream, error: error, trailers: trailers)
        flush()
    }

    private func finish(_ stream: ServerStream, error: RPCError?, trailers: Metadata) {
        switch stream.response {
        case .notStarted:
            stream.response = .ending
            session?.submitResponse(
                streamID: stream.id,
                headers: Self.responseHeaderFields([:]) + Self.statusFields(error, trailers: trailers), hasBody: false)
        case .headersSent:
            stream.response = .ending
            if let error { stream.outbound.failWaiters(error) }
            stream.outbound.end(.trailers(Self.statusFields(error, trailers: trailers)))
            session?.resumeData(streamID: stream.id)
        case .ending, .ended:
            return
        }
        stream.deadlineTimer?.cancel()
    }

    fileprivate func consumed(streamID: Int32, bytes: Int) {
        guard let stream = streams[streamID] else { return }
        stream.queuedBytes -= bytes
        acknowledgeIfRoom(stream)
        flush()
    }
}

/// What a handler task holds to reach its stream: every call hops to the connection's loop.
struct ServerStreamHandle: Sendable {
    let loop: any EventLoop
    let handler: NIOLoopBound<ServerConnectionHandler>
    let streamID: Int32
    let maxSendMessageBytes: Int

    func sendHeaders(_ metadata: Metadata) {
        loop.execute { handler.value.sendHeaders(streamID: streamID, metadata: metadata) }
    }

    func write(_ message: [UInt8]) async throws {
        try Task.checkCancellation()
        let framed = try grpcFramed(message, limit: maxSendMessageBytes)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.execute { handler.value.write(streamID: streamID, bytes: framed, continuation: continuation) }
        }
    }

    func finish(error: RPCError?, trailers: Metadata) {
        loop.execute { handler.value.finish(streamID: streamID, error: error, trailers: trailers) }
    }

    func consumed(_ bytes: Int) {
        loop.execute { handler.value.consumed(streamID: streamID, bytes: bytes) }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? Int.min : Int.max }
        return Int(product) + Int(attoseconds / 1_000_000_000)
    }
}
