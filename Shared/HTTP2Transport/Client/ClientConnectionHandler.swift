#if canImport(Glibc)
import Glibc
#endif
internal import CNGHTTP2
import Logging
import NIOCore
import RPCCore

/// Drives one client connection through an nghttp2 client session (set up, pumped and closed
/// by the shared ``HTTP2ChannelPump``): opens a stream per call, feeds request messages with
/// backpressure, delivers response headers, messages and status.
final class ClientConnectionHandler: ChannelInboundHandler, NGHTTP2SessionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case active
        /// The server sent GOAWAY: no new streams.
        case goingAway
        case closed
    }

    /// The connection's timers.
    enum Timer: Hashable, Sendable {
        /// Sends the next keepalive PING.
        case keepalive
        /// The keepalive PING must be answered before it fires.
        case keepaliveTimeout
    }

    /// The request headers of a call.
    enum RequestHeaders: Sendable {
        /// Built for this call (it has metadata or a timeout); nghttp2 copies them.
        case fields([(String, String)])
        /// A prebuilt block shared by the calls of one method without metadata.
        case block(StaticHeaderBlock)
    }

    private static let keepalivePing: UInt64 = 0x6B65_6570_616C_6976

    private let configuration: HTTP2ClientConfiguration
    private let onUnusable: @Sendable () -> Void
    private var logger: Logger
    private let pump = HTTP2ChannelPump()
    private var session: NGHTTP2Session? { pump.session }
    private var context: ChannelHandlerContext?
    private var loopBound: NIOLoopBound<ClientConnectionHandler>?
    private var timers: HTTP2ConnectionTimers<Timer>?
    private var streams: [Int32: ClientStream] = [:]
    private var state = State.active

    /// - Parameters:
    ///   - logger: Where connection events go (GOAWAY received, keepalive timeouts, errors).
    ///   - onUnusable: Called once when the connection takes no more calls.
    init(configuration: HTTP2ClientConfiguration, logger: Logger, onUnusable: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.onUnusable = onUnusable
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        self.loopBound = loopBound
        timers = HTTP2ConnectionTimers(loop: context.eventLoop)
        pump.start(
            context: context, role: .client,
            settings: HTTP2LocalSettings(
                enablePush: false, maxConcurrentStreams: nil,
                initialStreamWindowBytes: configuration.initialStreamWindowBytes,
                maxHeaderListBytes: configuration.maxHeaderListBytes,
                connectionWindowBytes: configuration.connectionWindowBytes),
            delegate: self)
        scheduleKeepalive()
        if context.channel.isActive { flush() }
    }

    func channelActive(context: ChannelHandlerContext) {
        flush()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard state != .closed else { return }
        let result = pump.receive(buffer)
        if result < 0 {
            let reason = NGHTTP2Session.describe(error: result)
            logger.debug("protocol error", metadata: ["h2.reason": "\(reason)"])
            closeNow(RPCError(code: .unavailable, message: "HTTP/2 protocol error from the server (nghttp2 \(result))"))
            return
        }
        flush()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        logger.debug("connection closed")
        closeNow(RPCError(code: .unavailable, message: "the connection closed"))
        context.fireChannelInactive()
    }

    /// The pipeline let the handler go (the channel closed): break the cycles through the
    /// context, the loop-bound self-reference, the timers and the session.
    func handlerRemoved(context: ChannelHandlerContext) {
        timers?.cancelAll()
        timers = nil
        streams.removeAll()
        pump.release()
        self.context = nil
        loopBound = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["h2.reason": "\(error)"])
        closeNow(RPCError(code: .unavailable, message: "the connection failed: \(error)", cause: error))
    }

    private func closeNow(_ error: RPCError) {
        let wasActive = state == .active
        let wasOpen = state != .closed
        state = .closed
        timers?.cancelAll()
        for stream in streams.values { stream.fail(error) }
        streams.removeAll()
        // After a GOAWAY the transport was told already: once is enough.
        if wasActive { onUnusable() }
        if wasOpen { pump.closeNow() }
    }

    private func flush() {
        guard state != .closed else { return }
        switch pump.flush() {
        case .skipped, .flushed(_, true, _):
            return
        case .failed:
            closeNow(RPCError(code: .unavailable, message: "HTTP/2 session failure"))
        case .flushed(_, false, _):
            closeNow(RPCError(code: .unavailable, message: "the connection was closed"))
        }
    }

    private func scheduleKeepalive() {
        guard let interval = configuration.keepaliveInterval, let loopBound else { return }
        timers?.schedule(.keepalive, after: interval, owner: loopBound) { $0.sendKeepalive() }
    }

    private func sendKeepalive() {
        guard state != .closed, let loopBound else { return }
        // The next one on the same interval, as a repeated task would (one PING in flight at most).
        scheduleKeepalive()
        guard timers?.isArmed(.keepaliveTimeout) == false else { return }
        session?.submitPing(opaque: Self.keepalivePing)
        timers?.schedule(.keepaliveTimeout, after: configuration.keepaliveTimeout, owner: loopBound) { handler in
            handler.logger.info("timeout", metadata: ["h2.reason": "keepalive"])
            handler.closeNow(RPCError(code: .unavailable, message: "keepalive PING was not answered"))
        }
        flush()
    }

    // MARK: Calls (on the loop)

    /// Opens a stream for a call.
    func open(
        headers: [(String, String)], head: EventLoopPromise<Metadata>, parts: InboundMessageQueue<ResponsePart<[UInt8]>>,
        maxReceiveMessageBytes: Int, timeout: Duration?
    ) -> Int32? {
        let receiver = ClientStream.Receiver.streaming(head: head, parts: parts)
        guard let stream = openStream(
            headers: .fields(headers), receiver: receiver, request: nil, maxReceiveMessageBytes: maxReceiveMessageBytes,
            timeout: timeout)
        else { return nil }
        flush()
        return stream.id
    }

    /// Opens the stream of a unary call with its whole request (HEADERS, then DATA with
    /// END_STREAM, in one write); `continuation` is resumed once, when the call ends.
    /// - Parameters:
    ///   - request: The gRPC-framed request message.
    ///   - cancellation: Shared with the caller's task; a cancelled call resets its stream.
    func openUnary(
        headers: RequestHeaders, request: [UInt8], method: MethodDescriptor,
        continuation: UnsafeContinuation<ClientResponse<[UInt8]>, any Error>, cancellation: UnaryCallCancellation,
        maxReceiveMessageBytes: Int, timeout: Duration?
    ) {
        guard !cancellation.isCancelled else {
            continuation.resume(throwing: RPCError(code: .cancelled, message: "the call was cancelled"))
            return
        }
        let receiver = ClientStream.Receiver.unary(method: method, continuation: continuation)
        guard let stream = openStream(
            headers: headers, receiver: receiver, request: request, maxReceiveMessageBytes: maxReceiveMessageBytes,
            timeout: timeout)
        else { return }
        if !cancellation.opened(stream.id) {
            cancel(streamID: stream.id, error: RPCError(code: .cancelled, message: "the call was cancelled"))
            return
        }
        flush()
    }

    /// Submits the request headers and registers the stream; with `request`, the body is
    /// queued and ended before nghttp2 first asks for it. Fails the receiver when it cannot.
    private func openStream(
        headers: RequestHeaders, receiver: ClientStream.Receiver, request: [UInt8]?, maxReceiveMessageBytes: Int,
        timeout: Duration?
    ) -> ClientStream? {
        func failed(_ error: RPCError) -> ClientStream? {
            let stream = ClientStream(
                id: 0, receiver: receiver, maxReceiveMessageBytes: maxReceiveMessageBytes, writeBufferBytes: 0)
            stream.fail(error)
            return nil
        }
        guard state == .active, let session, let context, let loopBound else {
            return failed(RPCError(code: .unavailable, message: "the connection takes no new calls"))
        }
        let id: Int32
        switch headers {
        case .fields(let fields): id = session.submitRequest(headers: fields)
        case .block(let block): id = session.submitRequest(headers: block)
        }
        guard id > 0 else {
            return failed(RPCError(code: .unavailable, message: "cannot open an HTTP/2 stream (nghttp2 \(id))"))
        }
        let stream = ClientStream(
            id: id, receiver: receiver, maxReceiveMessageBytes: maxReceiveMessageBytes,
            writeBufferBytes: configuration.streamWriteBufferBytes)
        if case .block(let block) = headers { stream.requestHeaderBlock = block }
        if let request {
            stream.outbound.enqueue(request)
            stream.outbound.end(.endStream)
        }
        streams[id] = stream
        if let timeout {
            stream.deadlineTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
                loopBound.value.cancel(streamID: id, error: RPCError(code: .deadlineExceeded, message: "the call exceeded its deadline"))
            }
        }
        return stream
    }

    func write(streamID: Int32, bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        guard let stream = streams[streamID], !stream.finished, stream.outbound.ending == nil else {
            continuation.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
            return
        }
        stream.outbound.enqueue(bytes, continuation: continuation)
        session?.resumeData(streamID: streamID)
        flush()
    }

    func endRequest(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        stream.outbound.end(.endStream)
        session?.resumeData(streamID: streamID)
        flush()
    }

    /// Cancels a call: RST_STREAM(CANCEL) and the error to its reader.
    func cancel(streamID: Int32, error: RPCError) {
        guard let stream = streams[streamID] else { return }
        stream.fail(error)
        session?.submitReset(streamID: streamID, errorCode: NGHTTP2_CANCEL.rawValue)
        flush()
    }

    func consumed(streamID: Int32, bytes: Int) {
        guard let stream = streams[streamID] else { return }
        stream.queuedBytes -= bytes
        acknowledgeIfRoom(stream)
        flush()
    }

    private func acknowledgeIfRoom(_ stream: ClientStream) {
        guard stream.queuedBytes < configuration.initialStreamWindowBytes, stream.unacknowledgedBytes > 0 else { return }
        session?.consumeStream(stream.id, stream.unacknowledgedBytes)
        stream.unacknowledgedBytes = 0
    }

    // MARK: Session events

    func sessionBeginHeaders(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        stream.headerFields = []
        stream.headerBytes = 0
        stream.headerMetadataCandidates = 0
    }

    func sessionHeader(streamID: Int32, name nameBytes: UnsafeBufferPointer<UInt8>, value valueBytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let stream = streams[streamID] else { return true }
        stream.headerBytes += nameBytes.count + valueBytes.count + 32
        guard stream.headerBytes <= configuration.maxHeaderListBytes else {
            stream.fail(RPCError(code: .resourceExhausted, message: "response headers exceed \(configuration.maxHeaderListBytes) bytes"))
            return false
        }
        if let field = Self.commonField(name: nameBytes, value: valueBytes) {
            stream.headerFields.append(field)
        } else {
            stream.headerFields.append((String(decoding: nameBytes, as: UTF8.self), String(decoding: valueBytes, as: UTF8.self)))
            stream.headerMetadataCandidates += 1
        }
        return true
    }

    /// The fields every successful gRPC response carries, as shared strings: they are matched
    /// on nghttp2's bytes (no decoding, no allocation) and are never metadata.
    private static func commonField(
        name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>
    ) -> (String, String)? {
        switch name.count {
        case 7 where equal(name, ":status") && equal(value, "200"): return (":status", "200")
        case 11 where equal(name, "grpc-status") && equal(value, "0"): return ("grpc-status", "0")
        case 12 where equal(name, "content-type") && equal(value, "application/grpc"):
            return ("content-type", "application/grpc")
        case 20 where equal(name, "grpc-accept-encoding") && equal(value, ourAcceptEncoding):
            return ("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader)
        default: return nil
        }
    }

    /// What our own server sends as `grpc-accept-encoding` (``CompressionAlgorithm/acceptEncodingHeader``).
    private static let ourAcceptEncoding: StaticString = "gzip,deflate,identity"

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && (bytes.count == 0 || memcmp(bytes.baseAddress!, literal.utf8Start, literal.utf8CodeUnitCount) == 0)
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        guard let stream = streams[streamID], !stream.finished else { return }
        let fields = stream.headerFields
        let hasMetadata = stream.headerMetadataCandidates > 0
        stream.headerFields = []
        func value(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

        if !stream.headReceived {
            let httpStatus = value(":status") ?? ""
            if httpStatus != "200" {
                if let status = Self.status(fields), status.code != .ok {
                    stream.fail(status)
                } else {
                    stream.fail(RPCError(code: Self.code(httpStatus: httpStatus), message: "HTTP status \(httpStatus) from the server"))
                }
                return
            }
            guard endStream else {
                guard let contentType = value("content-type"), contentType.hasPrefix("application/grpc") else {
                    stream.fail(RPCError(code: .internalError, message: "unexpected content-type '\(value("content-type") ?? "")'"))
                    return
                }
                if let error = stream.acceptResponseEncoding(value("grpc-encoding")) {
                    stream.fail(error)
                    return
                }
                stream.headReceived = true
                stream.receivedHead(hasMetadata ? MetadataHeaders.metadata(fields) : Metadata())
                return
            }
            // Trailers-Only.
            stream.headReceived = true
            finish(stream, trailers: fields, hasMetadata: hasMetadata, initialMetadataToo: true)
            return
        }
        finish(stream, trailers: fields, hasMetadata: hasMetadata, initialMetadataToo: false)
    }

    private func finish(
        _ stream: ClientStream, trailers fields: [(String, String)], hasMetadata: Bool, initialMetadataToo: Bool
    ) {
        guard let status = Self.status(fields, hasMetadata: hasMetadata) else {
            stream.fail(RPCError(code: .internalError, message: "the server ended the call without grpc-status"))
            return
        }
        if status.code != .ok {
            stream.fail(status, afterReceived: true)
        } else if stream.deframer.hasPartialMessage {
            stream.fail(RPCError(code: .internalError, message: "the response ended inside a message"))
        } else {
            if initialMetadataToo { stream.receivedHead([:]) }
            stream.succeed(trailers: status.metadata)
        }
    }

    /// The status carried by trailers (code, decoded message, the rest as metadata).
    /// - Parameter hasMetadata: false when every field is a common one (none is metadata).
    private static func status(_ fields: [(String, String)], hasMetadata: Bool = true) -> RPCError? {
        guard let raw = fields.first(where: { $0.0 == "grpc-status" })?.1, let code = Int(raw) else { return nil }
        let message = fields.first { $0.0 == "grpc-message" }.map { GRPCStatusMessage.decode($0.1) } ?? ""
        let metadata = hasMetadata ? MetadataHeaders.metadata(fields) : Metadata()
        return RPCError(code: RPCError.Code(rawValue: code), message: message, metadata: metadata)
    }

    /// gRPC's mapping of HTTP statuses without a grpc-status.
    private static func code(httpStatus: String) -> RPCError.Code {
        switch httpStatus {
        case "400": return .internalError
        case "401": return .unauthenticated
        case "403": return .permissionDenied
        case "404": return .unimplemented
        case "429", "502", "503", "504": return .unavailable
        default: return .unknown
        }
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        session?.consumeConnection(bytes.count)
        guard let stream = streams[streamID], !stream.finished, stream.headReceived else {
            session?.consumeStream(streamID, bytes.count)
            return
        }
        stream.unacknowledgedBytes += bytes.count
        do {
            for received in try stream.deframer.append(bytes) {
                let message = try stream.decode(received)
                if stream.isQueued { stream.queuedBytes += message.count + 5 }
                guard stream.received(message) else {
                    session?.submitReset(streamID: streamID, errorCode: NGHTTP2_CANCEL.rawValue)
                    return
                }
            }
        } catch {
            stream.fail(error)
            session?.submitReset(streamID: streamID, errorCode: NGHTTP2_CANCEL.rawValue)
        }
        acknowledgeIfRoom(stream)
    }

    func sessionRemoteEnded(streamID: Int32) {
        streams[streamID]?.fail(RPCError(code: .internalError, message: "the server ended the stream without trailers"))
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        // A call that already ended (the common case) needs no error built.
        guard let stream = streams.removeValue(forKey: streamID), !stream.finished else { return }
        let code: RPCError.Code
        switch errorCode {
        case NGHTTP2_REFUSED_STREAM.rawValue: code = .unavailable
        case NGHTTP2_CANCEL.rawValue: code = .cancelled
        case NGHTTP2_ENHANCE_YOUR_CALM.rawValue: code = .resourceExhausted
        default: code = .internalError
        }
        stream.fail(RPCError(code: code, message: "the stream closed without a status (HTTP/2 error \(errorCode))"))
    }

    func sessionReadData(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool
    ) -> Int {
        guard let stream = streams[streamID] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        guard let result = stream.outbound.read(into: buffer, endOfData: &endOfData) else {
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        return result.count
    }

    func sessionFrameSent(streamID: Int32, type: UInt8, flags: UInt8) {}

    func sessionPing(ack: Bool, opaque: UInt64) {
        if ack && opaque == Self.keepalivePing {
            timers?.cancel(.keepaliveTimeout)
        }
    }

    func sessionBeginFrame(type: UInt8, flags: UInt8) {}

    func sessionSettingsReceived() {}

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {
        let code = HTTP2ErrorCode(rawValue: errorCode)
        let metadata: Logger.Metadata = ["h2.error_code": "\(code)", "h2.last_stream_id": "\(lastStreamID)"]
        if code == .noError {
            logger.debug("GOAWAY received", metadata: metadata)
        } else {
            logger.info("GOAWAY received", metadata: metadata)
        }
        guard state == .active else { return }
        state = .goingAway
        onUnusable()
    }
}
