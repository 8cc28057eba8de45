internal import CNGHTTP2
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import RPCCore

/// Drives one server connection: bytes from the channel go into an nghttp2 server session,
/// whose events start and feed calls; what the session wants to send goes to the channel.
/// Handlers run as tasks and reach back through ``ServerCallResponder`` (hops to the loop).
/// Writes are batched: what the session queues during a read, or during the tasks the loop
/// runs in one tick, goes out in one socket write.
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
    /// The last `:path` and `content-type` received: most requests repeat them.
    private var lastPath = ""
    private var lastContentType = ""
    private var lastUserAgent = ""
    /// The stream whose header block is being received (saves a lookup per header field).
    private var headerStream: ServerStream?
    /// A flush is queued on the loop (it runs after the other tasks queued before it).
    private var flushScheduled = false
    /// When the last stream closed: the idle timer checks it instead of being re-armed per call.
    private var idleSince = NIODeadline.now()
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
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // One socket write for everything the reads of this batch produced.
        flush()
        context.fireChannelReadComplete()
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

    /// Flushes once the loop has run the tasks queued so far, so that the responses of the
    /// calls finishing in one tick share a socket write.
    private func scheduleFlush() {
        guard !flushScheduled, let context, let loopBound else { return }
        flushScheduled = true
        context.eventLoop.execute {
            let handler = loopBound.value
            handler.flushScheduled = false
            handler.flush()
        }
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

    /// Keeps one idle timer armed while the connection is active (not one per call): when it
    /// fires it shuts down if no stream was open for the whole timeout, else re-arms.
    private func updateIdleTimer() {
        guard idleTimer == nil, state == .active, prefaceTimer == nil else { return }
        idleTimer = schedule(after: configuration.idleTimeout) { $0.idleTimerFired() }
    }

    private func idleTimerFired() {
        idleTimer = nil
        guard state == .active else { return }
        let idleFor = NIODeadline.now() - idleSince
        let timeout = TimeAmount.nanoseconds(Int64(configuration.idleTimeout.nanoseconds))
        if streams.isEmpty && idleFor >= timeout {
            beginShutdown()
        } else {
            let remaining = streams.isEmpty ? timeout - idleFor : timeout
            idleTimer = schedule(after: .nanoseconds(remaining.nanoseconds)) { $0.idleTimerFired() }
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
    }

    func sessionHeader(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        let stream: ServerStream
        if let current = headerStream, current.id == streamID {
            stream = current
        } else {
            guard let found = streams[streamID] else { return true }
            stream = found
            headerStream = found
        }
        stream.headerBytes += name.count + value.count + 32
        if stream.headerBytes > configuration.maxHeaderListBytes {
            return false
        }
        guard stream.request == .receivingHeaders else { return true }
        // Protocol headers are kept apart (and the usual values reused rather than copied into
        // new strings), so that metadata is built only from the rest.
        switch RequestHeaderName(name) {
        case .path:
            if stream.path == nil { stream.path = Self.reuse(&lastPath, value) }
        case .contentType:
            if stream.contentType == nil { stream.contentType = Self.reuse(&lastContentType, value) }
        case .encoding:
            if stream.encoding == nil { stream.encoding = String(decoding: value, as: UTF8.self) }
        case .timeout:
            if stream.timeout == nil { stream.timeout = String(decoding: value, as: UTF8.self) }
        case .ignored:
            break
        case .userAgent:
            stream.headers.append(("user-agent", Self.reuse(&lastUserAgent, value)))
        case .other:
            stream.headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return true
    }

    /// `cached` when it holds these bytes, else a new string (kept in `cached` for next time).
    private static func reuse(_ cached: inout String, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var cachedCopy = cached
        let same = cachedCopy.withUTF8 { $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
        if !same { cached = String(decoding: bytes, as: UTF8.self) }
        return cached
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        headerStream = nil
        guard let stream = streams[streamID] else { return }
        if stream.request == .receivingHeaders {
            startCall(stream, endStream: endStream)
        } else if endStream {
            sessionRemoteEnded(streamID: streamID)
        }
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        session?.consumeConnection(bytes.count)
        if let stream = streams[streamID], stream.pendingStart != nil, stream.request == .open {
            collect(stream, bytes: bytes)
            return
        }
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
        } else if stream.pendingStart != nil {
            startHandler(stream)
        } else {
            stream.inbound?.finish()
        }
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if headerStream === stream { headerStream = nil }
        if stream.response != .ended {
            abandon(stream, error: RPCError(code: .cancelled, message: "the client cancelled the call"))
        }
        stream.response = .ended
        stream.deadlineTimer?.cancel()
        stream.pendingStart = nil
        if streams.isEmpty { idleSince = .now() }
    }

    func sessionReadData(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool
    ) -> Int {
        guard let stream = streams[streamID] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        guard let result = stream.outbound.read(into: buffer, endOfData: &endOfData) else {
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        if result.count > 0 { stream.responder?.drained(result.count) }
        switch result.ending {
        case .trailers(let trailers):
            noEndStream = true
            session?.submitTrailer(streamID: streamID, headers: trailers)
        case .staticTrailers(let trailers):
            noEndStream = true
            session?.submitTrailer(streamID: streamID, headers: trailers)
        case .endStream, nil:
            break
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
        guard let contentType = stream.contentType, contentType.hasPrefix("application/grpc") else {
            respondHTTPError(stream, status: 415, message: "content-type must be application/grpc")
            return
        }
        if let encoding = stream.encoding, encoding != "identity" {
            finish(stream, error: RPCError(code: .unimplemented, message: "grpc-encoding '\(encoding)' is not supported"), trailers: [:])
            return
        }
        var deadline: ContinuousClock.Instant?
        var timeout: Duration?
        if let rawTimeout = stream.timeout {
            guard let parsed = GRPCTimeout.parse(rawTimeout) else {
                finish(stream, error: RPCError(code: .internalError, message: "malformed grpc-timeout '\(rawTimeout)'"), trailers: [:])
                return
            }
            timeout = parsed
            deadline = ContinuousClock.now.advanced(by: parsed)
        }
        let path = stream.path ?? ""
        guard let route = router.route(forPath: path) else {
            let service = path.split(separator: "/").first.map(String.init) ?? ""
            let known = router.serviceNames.contains(service)
            let message = known ? "method \(path) is not implemented" : "service \(service) is not implemented"
            finish(stream, error: RPCError(code: .unimplemented, message: message), trailers: [:])
            return
        }

        let responder = ServerCallResponder(
            loop: context.eventLoop, handler: loopBound, streamID: stream.id,
            maxSendMessageBytes: configuration.maxSendMessageBytes,
            highWaterMark: configuration.streamWriteBufferBytes,
            singleResponse: route.kind == .unary || route.kind == .clientStreaming)
        stream.responder = responder
        if let timeout {
            let streamID = stream.id
            stream.deadlineTimer = schedule(after: timeout) { handler in
                guard let stream = handler.streams[streamID] else { return }
                handler.fail(stream, error: RPCError(code: .deadlineExceeded, message: "the call exceeded its deadline"))
                handler.flush()
            }
        }
        let metadata = stream.headers.isEmpty ? Metadata() : MetadataHeaders.metadata(stream.headers)
        stream.headers = []
        let serverContext = ServerContext(method: route.method, peer: peer, deadline: deadline, metadata: metadata)

        if route.kind == .unary || route.kind == .serverStreaming {
            // One request message: collect it on the loop, start the handler with all of it.
            stream.pendingStart = ServerStream.PendingStart(
                handler: route.handler, unary: route.kind == .unary ? route.unaryHandler : nil, context: serverContext,
                metadata: metadata)
            if endStream { startHandler(stream) }
            return
        }

        let inbound = InboundMessageQueue<[UInt8]>(
            size: { $0.count + 5 },
            onConsumed: { [loop = context.eventLoop, streamID = stream.id] bytes in
                loop.execute { loopBound.value.consumed(streamID: streamID, bytes: bytes) }
            })
        stream.inbound = inbound
        if endStream { inbound.finish() }
        let request = StreamingServerRequest(metadata: metadata, messages: inbound.sequence)
        stream.task = Self.spawn(route.handler, request: request, context: serverContext, responder: responder)
    }

    /// Adds DATA of a single-request call to its collected messages; a second message starts
    /// the handler at once (it fails the call, as a unary call takes exactly one).
    private func collect(_ stream: ServerStream, bytes: UnsafeRawBufferPointer) {
        // Held messages are bounded (at most two) and owned by the call: acknowledge now.
        session?.consumeStream(stream.id, bytes.count)
        do {
            for message in try stream.deframer.append(bytes) {
                stream.pendingStart?.messages.append(message)
            }
        } catch {
            fail(stream, error: error)
            return
        }
        if let pending = stream.pendingStart, pending.messages.count > 1 { startHandler(stream) }
    }

    private func startHandler(_ stream: ServerStream) {
        guard let pending = stream.pendingStart, let responder = stream.responder else { return }
        stream.pendingStart = nil
        guard stream.response == .notStarted else { return }
        if let unary = pending.unary, pending.messages.count == 1 {
            stream.task = Self.spawnUnary(unary, message: pending.messages[0], context: pending.context, responder: responder)
            return
        }
        let request = StreamingServerRequest(
            metadata: pending.metadata, messages: RPCAsyncSequence(wrapping: BufferedMessages(messages: pending.messages)))
        stream.task = Self.spawn(pending.handler, request: request, context: pending.context, responder: responder)
    }

    private static func spawn(
        _ handler: @escaping RawMethodHandler, request: StreamingServerRequest<[UInt8]>,
        context: ServerContext, responder: ServerCallResponder
    ) -> Task<Void, Never> {
        Task { await run(handler, request: request, context: context, responder: responder) }
    }

    private static func run(
        _ handler: @escaping RawMethodHandler, request: StreamingServerRequest<[UInt8]>,
        context: ServerContext, responder: ServerCallResponder
    ) async {
        do {
            let response = try await handler(request, context)
            responder.sendHeaders(response.metadata)
            let trailers = try await response.producer(RPCWriter { try await responder.write($0) })
            responder.finish(error: nil, trailers: trailers)
        } catch {
            let rpcError = RPCError(mapping: error)
            responder.finish(error: rpcError, trailers: rpcError.metadata)
        }
    }

    private static func spawnUnary(
        _ handler: @escaping RawUnaryMethodHandler, message: [UInt8], context: ServerContext,
        responder: ServerCallResponder
    ) -> Task<Void, Never> {
        Task { await runUnary(handler, message: message, context: context, responder: responder) }
    }

    /// Runs a unary route's shortcut: no request sequence, no response writer; headers,
    /// message and status go to the loop in one hop.
    private static func runUnary(
        _ handler: @escaping RawUnaryMethodHandler, message: [UInt8], context: ServerContext,
        responder: ServerCallResponder
    ) async {
        do {
            try responder.finish(message: try await handler(message, context))
        } catch {
            let rpcError = RPCError(mapping: error)
            responder.finish(error: rpcError, trailers: rpcError.metadata)
        }
    }

    /// Ends a call with an error now: cancels its handler and sends the status.
    private func fail(_ stream: ServerStream, error: RPCError) {
        finish(stream, error: error, trailers: [:])
        stream.pendingStart = nil
        stream.task?.cancel()
        stream.inbound?.fail(error)
        stream.responder?.close(error)
    }

    /// The stream is gone: cancel the handler, wake its readers and writers.
    private func abandon(_ stream: ServerStream, error: RPCError) {
        stream.response = .ended
        stream.deadlineTimer?.cancel()
        stream.pendingStart = nil
        stream.task?.cancel()
        stream.inbound?.fail(error)
        stream.responder?.close(error)
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

    /// Applies what a handler task sent in one hop: its response headers (when not sent yet),
    /// up to two messages, and the status that ends the call.
    func respond(
        streamID: Int32, headers: Metadata?, first: [UInt8]?, second: [UInt8]?, end: (RPCError?, Metadata)?
    ) {
        guard let stream = streams[streamID] else { return }
        if let headers, stream.response == .notStarted {
            stream.response = .headersSent
            if headers.isEmpty {
                session?.submitResponse(streamID: streamID, headers: StaticHeaderBlock.okResponseHeaders)
            } else {
                session?.submitResponse(streamID: streamID, headers: Self.responseHeaderFields(headers), hasBody: true)
            }
        }
        if stream.response == .headersSent {
            if let first { stream.outbound.enqueue(first) }
            if let second { stream.outbound.enqueue(second) }
        }
        if let (error, trailers) = end { finish(stream, error: error, trailers: trailers) }
        session?.resumeData(streamID: streamID)
        scheduleFlush()
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
            if let error { stream.responder?.close(error) }
            if error == nil && trailers.isEmpty {
                stream.outbound.end(.staticTrailers(StaticHeaderBlock.okTrailers))
            } else {
                stream.outbound.end(.trailers(Self.statusFields(error, trailers: trailers)))
            }
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
        scheduleFlush()
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
