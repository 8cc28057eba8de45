import RPCCore

/// The protocol of one call on a server connection, without I/O: request headers (size
/// limit, protocol fields kept apart from metadata), their checks and routing, the request
/// messages (collected for single-request calls, queued with flow control for streaming
/// ones), and how far the response has got, which decides how a status is sent.
struct ServerStreamStateMachine {
    /// How far the request has got.
    enum RequestState: Equatable, Sendable {
        /// Header fields are arriving.
        case receivingHeaders
        /// The call started; messages may arrive.
        case open
        /// The client ended its side.
        case closed
    }

    /// How far the response has got.
    enum ResponseState: Equatable, Sendable {
        /// Nothing sent; a status now goes out as Trailers-Only.
        case notStarted
        /// Headers sent; messages may follow.
        case headersSent
        /// The status is queued behind the remaining messages.
        case ending
        /// Everything sent, or the stream is gone.
        case ended
    }

    /// A routed call, ready for its handler.
    struct Call: Sendable {
        var route: RPCRouter.Route
        /// From `grpc-timeout`.
        var timeout: Duration?
        var metadata: Metadata
        /// The request's `grpc-encoding` and what the client accepts back.
        var compression: ServerCallCompression
    }

    /// What to do once the request headers are complete.
    enum OnHeadersComplete {
        /// Answer with this HTTP status (a request that is not gRPC); the stream is done.
        case rejectHTTP(status: Int, message: String)
        /// End the call with this status (Trailers-Only).
        case fail(RPCError)
        /// Start the handler now; request messages go to its queue (client and bidirectional
        /// streaming). `requestEnded`: no message will come.
        case startStreaming(Call, requestEnded: Bool)
        /// Collect the one request message first (unary, server streaming); with
        /// `startNow` the request already ended without one (see ``takeCollected()``).
        case collect(Call, startNow: Bool)
        /// Headers after the call started (client trailers): handled as the request's end.
        case remoteEnded(OnRemoteEnd)
        /// Nothing to do.
        case none
    }

    /// What to do with received DATA. Every case says how many bytes to acknowledge to the
    /// client at the stream level now.
    enum OnData {
        /// The stream takes no messages: acknowledge and drop.
        case discard(acknowledge: Int)
        /// Kept for a single-request call; `startNow` when a second message arrived (the
        /// handler then fails the call, see ``takeCollected()``).
        case collected(acknowledge: Int, startNow: Bool)
        /// Messages for a streaming call's queue.
        case deliver([ReceivedMessage], acknowledge: Int)
        /// The bytes are not a valid message: end the call with this status.
        case fail(RPCError, acknowledge: Int)
    }

    /// What to do when the client ends its side.
    enum OnRemoteEnd {
        case none
        /// The request ended inside a message.
        case fail(RPCError)
        /// A single-request call has all of its request: start the handler.
        case startCollected
        /// Tell a streaming call's queue that no more messages come.
        case finishRequest
    }

    /// How a status goes out.
    enum OnFinish: Equatable, Sendable {
        /// As the only HEADERS frame (nothing was sent yet).
        case trailersOnly
        /// As trailers after the queued messages.
        case trailers
        /// The call already ended.
        case none
    }

    let id: Int32
    private let maxHeaderListBytes: Int
    /// The stream window: messages queued for a reader are acknowledged while below it.
    private let windowBytes: Int
    private(set) var request = RequestState.receivingHeaders
    private(set) var response = ResponseState.notStarted
    private(set) var path: String?
    private(set) var contentType: String?
    private(set) var encoding: String?
    private(set) var acceptEncoding: String?
    private(set) var timeout: String?
    /// Request header fields that may be metadata (pseudo and protocol headers are kept apart).
    private(set) var headers: [(String, String)] = []
    private(set) var headerBytes = 0
    /// The messages of a single-request call whose handler has not started.
    private(set) var collected: [ReceivedMessage]?
    /// Whether messages go to a streaming handler's queue.
    private(set) var isStreaming = false
    /// Received bytes not yet acknowledged to the client (streaming calls).
    private(set) var unacknowledgedBytes = 0
    /// Bytes of messages queued for the handler and not yet taken (streaming calls).
    private(set) var queuedBytes = 0
    private var deframer: GRPCMessageDeframer

    init(id: Int32, maxHeaderListBytes: Int, maxReceiveMessageBytes: Int, windowBytes: Int) {
        self.id = id
        self.maxHeaderListBytes = maxHeaderListBytes
        self.windowBytes = windowBytes
        self.deframer = GRPCMessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
    }

    // MARK: Request

    /// One request header field. Protocol fields are kept apart (the usual values reused from
    /// `strings` rather than copied), the rest become metadata.
    /// - Returns: false when the header list is over the limit (the stream must be reset).
    mutating func receivedHeaderField(
        name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, strings: inout RequestHeaderStrings
    ) -> Bool {
        headerBytes += name.count + value.count + 32
        if headerBytes > maxHeaderListBytes { return false }
        guard request == .receivingHeaders else { return true }
        switch RequestHeaderName(name) {
        case .path:
            if path == nil { path = strings.path(value) }
        case .contentType:
            if contentType == nil { contentType = strings.contentType(value) }
        case .encoding:
            if encoding == nil { encoding = String(decoding: value, as: UTF8.self) }
        case .acceptEncoding:
            if acceptEncoding == nil { acceptEncoding = String(decoding: value, as: UTF8.self) }
        case .timeout:
            if timeout == nil { timeout = String(decoding: value, as: UTF8.self) }
        case .ignored:
            break
        case .userAgent:
            headers.append(("user-agent", strings.userAgent(value)))
        case .other:
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return true
    }

    /// A header block is complete: the request headers are checked and routed, or (after the
    /// call started) it is the client's trailers.
    mutating func headersComplete(endStream: Bool, router: RPCRouter) -> OnHeadersComplete {
        guard request == .receivingHeaders else {
            return endStream ? .remoteEnded(remoteEnded()) : .none
        }
        request = endStream ? .closed : .open
        guard let contentType, contentType.hasPrefix("application/grpc") else {
            response = .ended
            return .rejectHTTP(status: 415, message: "content-type must be application/grpc")
        }
        guard let compression = requestCompression() else {
            return .fail(RPCError(
                code: .unimplemented,
                message: "grpc-encoding '\(encoding ?? "")' is not supported (supported: \(CompressionAlgorithm.acceptEncodingHeader))"))
        }
        deframer.acceptsCompressed = compression.requestEncoding != .identity
        var timeoutValue: Duration?
        if let timeout {
            guard let parsed = GRPCTimeout.parse(timeout) else {
                return .fail(RPCError(code: .internalError, message: "malformed grpc-timeout '\(timeout)'"))
            }
            timeoutValue = parsed
        }
        let path = self.path ?? ""
        guard let route = router.route(forPath: path) else {
            let service = path.split(separator: "/").first.map(String.init) ?? ""
            let known = router.serviceNames.contains(service)
            let message = known ? "method \(path) is not implemented" : "service \(service) is not implemented"
            return .fail(RPCError(code: .unimplemented, message: message))
        }
        let metadata = headers.isEmpty ? Metadata() : MetadataHeaders.metadata(headers)
        headers = []
        let call = Call(route: route, timeout: timeoutValue, metadata: metadata, compression: compression)
        if route.kind == .unary || route.kind == .serverStreaming {
            collected = []
            return .collect(call, startNow: endStream)
        }
        isStreaming = true
        return .startStreaming(call, requestEnded: endStream)
    }

    /// A chunk of DATA payload.
    mutating func receivedData(_ bytes: UnsafeRawBufferPointer) -> OnData {
        if collected != nil, request == .open {
            // Held messages are bounded (at most two) and owned by the call: acknowledge now.
            do {
                for message in try deframer.append(bytes) { collected?.append(message) }
            } catch {
                collected = nil
                return .fail(error, acknowledge: bytes.count)
            }
            return .collected(acknowledge: bytes.count, startNow: (collected?.count ?? 0) > 1)
        }
        guard isStreaming, request == .open, response == .notStarted || response == .headersSent else {
            // The call ended (or is ending with an error): nothing more is framed or held.
            return .discard(acknowledge: bytes.count)
        }
        unacknowledgedBytes += bytes.count
        do {
            let messages = try deframer.append(bytes)
            for message in messages { queuedBytes += message.bytes.count + 5 }
            return .deliver(messages, acknowledge: acknowledgeIfRoom())
        } catch {
            return .fail(error, acknowledge: acknowledgeIfRoom())
        }
    }

    /// The handler took `bytes` of queued messages.
    /// - Returns: The bytes to acknowledge to the client now.
    mutating func messagesConsumed(_ bytes: Int) -> Int {
        queuedBytes = max(0, queuedBytes - bytes)
        return acknowledgeIfRoom()
    }

    /// Request bytes the connection holds for this call: a partial message, messages
    /// collected for a handler not yet started, messages queued for a streaming handler.
    var bufferedBytes: Int {
        deframer.bufferedBytes + queuedBytes + (collected?.reduce(0) { $0 + $1.bytes.count } ?? 0)
    }

    /// Whether the client is still sending its request.
    var isReceiving: Bool { request == .open }

    /// The client ended its side of the stream.
    mutating func remoteEnded() -> OnRemoteEnd {
        guard request == .open else { return .none }
        request = .closed
        if deframer.hasPartialMessage {
            collected = nil
            return .fail(RPCError(code: .internalError, message: "the request stream ended inside a message"))
        }
        if collected != nil { return .startCollected }
        return isStreaming ? .finishRequest : .none
    }

    /// The messages a single-request call collected, handed over once to start its handler;
    /// nil when there is none to start (or the response already ended).
    mutating func takeCollected() -> [ReceivedMessage]? {
        guard let messages = collected else { return nil }
        collected = nil
        return response == .notStarted ? messages : nil
    }

    // MARK: Response

    /// The handler sends its response headers.
    /// - Returns: true when they must be submitted now (nothing was sent yet).
    mutating func sendHeaders() -> Bool {
        guard response == .notStarted else { return false }
        response = .headersSent
        return true
    }

    /// Whether response messages can be queued (headers sent, status not yet).
    var acceptsMessages: Bool { response == .headersSent }

    /// The call ends with a status (from its handler, or an error).
    mutating func finish() -> OnFinish {
        switch response {
        case .notStarted:
            response = .ending
            return .trailersOnly
        case .headersSent:
            response = .ending
            return .trailers
        case .ending, .ended:
            return .none
        }
    }

    /// The call ends with an error now: a single-request call waiting for its message no
    /// longer starts, and nothing received is held any more (the queue drops its messages).
    mutating func fail() -> OnFinish {
        releaseRequest()
        return finish()
    }

    /// A frame with END_STREAM went out: the response is complete.
    /// - Returns: true when the client is still sending (its upload must be stopped with
    ///   RST_STREAM NO_ERROR rather than buffered).
    mutating func endStreamSent() -> Bool {
        response = .ended
        return request != .closed
    }

    /// The stream is gone: nothing more is sent.
    /// - Returns: true when the call had not ended (its handler must be cancelled).
    mutating func closed() -> Bool {
        let wasOpen = response != .ended
        abandon()
        return wasOpen
    }

    /// Nothing more is sent for the call (the connection is going away).
    mutating func abandon() {
        response = .ended
        releaseRequest()
    }

    private mutating func releaseRequest() {
        collected = nil
        deframer.reset()
        queuedBytes = 0
    }

    private mutating func acknowledgeIfRoom() -> Int {
        guard queuedBytes < windowBytes, unacknowledgedBytes > 0 else { return 0 }
        defer { unacknowledgedBytes = 0 }
        return unacknowledgedBytes
    }
}
