import NIOCore
import RPCCore

/// Starting calls, and answering them: what the stream state machines decide, performed with
/// handler tasks, responders and nghttp2 submissions.
extension ServerConnectionHandler {
    func handle(_ outcome: ServerStreamStateMachine.OnHeadersComplete, for stream: ServerStream) {
        switch outcome {
        case .rejectHTTP(let status, let message):
            respondHTTPError(stream, status: status, message: message)
        case .fail(let error):
            finish(stream, error: error, trailers: [:])
        case .startStreaming(let call, let requestEnded):
            startStreaming(stream, call: call, requestEnded: requestEnded)
        case .collect(let call, let startNow):
            prepareCollected(stream, call: call)
            if startNow { startCollected(stream) }
        case .remoteEnded(let outcome):
            handle(outcome, for: stream)
        case .none:
            break
        }
    }

    func handle(_ outcome: ServerStreamStateMachine.OnRemoteEnd, for stream: ServerStream) {
        switch outcome {
        case .none:
            break
        case .fail(let error):
            fail(stream, error: error)
        case .startCollected:
            startCollected(stream)
        case .finishRequest:
            stream.inbound?.finish()
        }
    }

    // MARK: Starting

    /// The responder, deadline timer, context and request decoder every routed call gets.
    private func prepare(
        _ stream: ServerStream, call: ServerStreamStateMachine.Call
    ) -> (ServerCallResponder, ServerContext, ReceivedMessageDecoder)? {
        guard let context, let loopBound else { return nil }
        let route = call.route
        call.compression.responseCompression = configuration.responseCompression
        let responder = ServerCallResponder(
            loop: context.eventLoop, handler: loopBound, streamID: stream.id,
            maxSendMessageBytes: configuration.maxSendMessageBytes,
            highWaterMark: configuration.streamWriteBufferBytes,
            singleResponse: route.kind == .unary || route.kind == .clientStreaming, compression: call.compression)
        stream.responder = responder
        var deadline: ContinuousClock.Instant?
        if let timeout = call.timeout {
            deadline = ContinuousClock.now.advanced(by: timeout)
            let streamID = stream.id
            let action = NIOLoopBound({ (handler: ServerConnectionHandler) in
                guard let stream = handler.streams[streamID] else { return }
                handler.fail(stream, error: RPCError(code: .deadlineExceeded, message: "the call exceeded its deadline"))
                handler.flush()
            }, eventLoop: context.eventLoop)
            stream.deadlineTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
                action.value(loopBound.value)
            }
        }
        let serverContext = ServerContext(
            method: route.method, peer: peer, deadline: deadline, metadata: call.metadata, compression: call.compression)
        let decoder = ReceivedMessageDecoder(
            encoding: call.compression.requestEncoding, maxMessageBytes: configuration.maxReceiveMessageBytes,
            record: call.compression)
        return (responder, serverContext, decoder)
    }

    /// A single-request call: its handler starts once the one message is in.
    private func prepareCollected(_ stream: ServerStream, call: ServerStreamStateMachine.Call) {
        guard let (_, serverContext, decoder) = prepare(stream, call: call) else { return }
        stream.pendingStart = ServerStream.PendingStart(
            handler: call.route.handler, unary: call.route.kind == .unary ? call.route.unaryHandler : nil,
            context: serverContext, metadata: call.metadata, decoder: decoder)
    }

    /// A streaming call: its handler starts now and reads messages from a queue.
    private func startStreaming(_ stream: ServerStream, call: ServerStreamStateMachine.Call, requestEnded: Bool) {
        guard let context, let loopBound, let (responder, serverContext, decoder) = prepare(stream, call: call) else { return }
        let inbound = InboundMessageQueue<ReceivedMessage>(
            size: { $0.bytes.count + 5 },
            onConsumed: { [loop = context.eventLoop, streamID = stream.id] bytes in
                loop.execute { loopBound.value.consumed(streamID: streamID, bytes: bytes) }
            })
        stream.inbound = inbound
        if requestEnded { inbound.finish() }
        let request = StreamingServerRequest(metadata: call.metadata, messages: decoder.messages(inbound.sequence))
        stream.task = Self.spawn(call.route.handler, request: request, context: serverContext, responder: responder)
    }

    /// Starts a single-request call's handler with what it collected: the unary shortcut for
    /// exactly one message, else the generic handler (which fails 0 or 2 messages).
    func startCollected(_ stream: ServerStream) {
        guard let pending = stream.pendingStart, let responder = stream.responder else { return }
        stream.pendingStart = nil
        guard let messages = holdingInbound(stream, { stream.machine.takeCollected() }) else { return }
        if let unary = pending.unary, messages.count == 1 {
            stream.task = Self.spawnUnary(
                unary, message: messages[0], decoder: pending.decoder, context: pending.context, responder: responder,
                on: configuration.runsUnaryHandlersOnEventLoop ? loopExecutor : nil)
            return
        }
        let request = StreamingServerRequest(
            metadata: pending.metadata,
            messages: pending.decoder.messages(RPCAsyncSequence(wrapping: BufferedMessages(messages: messages))))
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
        _ handler: @escaping RawUnaryMethodHandler, message: ReceivedMessage, decoder: ReceivedMessageDecoder,
        context: ServerContext, responder: ServerCallResponder, on executor: EventLoopTaskExecutor?
    ) -> Task<Void, Never> {
        guard let executor else {
            return Task { await runUnary(handler, message: message, decoder: decoder, context: context, responder: responder) }
        }
        return Task(executorPreference: executor) {
            await runUnary(handler, message: message, decoder: decoder, context: context, responder: responder)
        }
    }

    /// Runs a unary route's shortcut: no request sequence, no response writer; headers,
    /// message and status go to the loop in one hop.
    private static func runUnary(
        _ handler: @escaping RawUnaryMethodHandler, message: ReceivedMessage, decoder: ReceivedMessageDecoder,
        context: ServerContext, responder: ServerCallResponder
    ) async {
        do {
            try responder.finish(message: try await handler(try decoder.decode(message), context))
        } catch {
            let rpcError = RPCError(mapping: error)
            responder.finish(error: rpcError, trailers: rpcError.metadata)
        }
    }

    // MARK: Ending

    /// Ends a call with an error now: sends the status and cancels its handler. With
    /// `discardingQueued`, response messages not yet taken by nghttp2 are dropped so that the
    /// status does not wait behind them (the call is being cut off).
    func fail(_ stream: ServerStream, error: RPCError, discardingQueued: Bool = false) {
        if discardingQueued && stream.machine.acceptsMessages { discardResponse(stream) }
        submitStatus(stream, holdingInbound(stream, { stream.machine.fail() }), error: error, trailers: [:])
        cancelHandler(stream, error: error)
    }

    /// The stream is gone or the connection is going away: nothing more is sent for the call.
    func abandon(_ stream: ServerStream, error: RPCError) {
        holdingInbound(stream) { stream.machine.abandon() }
        stream.deadlineTimer?.cancel()
        cancelHandler(stream, error: error)
    }

    /// Wakes the handler's readers and writers with `error`, then cancels its task (in that
    /// order, so that they see why — e.g. UNAVAILABLE for a lost connection — and not the
    /// CANCELLED of the task's own cancellation).
    func cancelHandler(_ stream: ServerStream, error: RPCError) {
        stream.pendingStart = nil
        stream.inbound?.fail(error)
        stream.responder?.close(error)
        stream.task?.cancel()
    }

    func finish(_ stream: ServerStream, error: RPCError?, trailers: Metadata) {
        submitStatus(stream, stream.machine.finish(), error: error, trailers: trailers)
    }

    private func submitStatus(
        _ stream: ServerStream, _ outcome: ServerStreamStateMachine.OnFinish, error: RPCError?, trailers: Metadata
    ) {
        switch outcome {
        case .trailersOnly:
            pump.session?.submitResponse(
                streamID: stream.id,
                headers: Self.responseHeaderFields([:]) + Self.statusFields(error, trailers: trailers), hasBody: false)
        case .trailers:
            if let error { stream.responder?.close(error) }
            if error == nil && trailers.isEmpty {
                stream.outbound.end(.staticTrailers(StaticHeaderBlock.okTrailers))
            } else {
                stream.outbound.end(.trailers(Self.statusFields(error, trailers: trailers)))
            }
            pump.session?.resumeData(streamID: stream.id)
        case .none:
            return
        }
        stream.deadlineTimer?.cancel()
    }

    private func respondHTTPError(_ stream: ServerStream, status: Int, message: String) {
        pump.session?.submitResponse(
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

    private static func responseHeaderFields(
        _ metadata: Metadata, encoding: CompressionAlgorithm = .identity
    ) -> [(String, String)] {
        var fields = [
            (":status", "200"), ("content-type", "application/grpc"),
            ("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader),
        ]
        if encoding != .identity { fields.append(("grpc-encoding", encoding.name)) }
        return fields + MetadataHeaders.fields(metadata)
    }

    // MARK: Requests from handler tasks (already on the loop)

    /// Applies what a handler task sent in one hop: its response headers (when not sent yet,
    /// with `encoding` as their `grpc-encoding`), up to two messages, and the status that ends the call.
    func respond(
        streamID: Int32, headers: Metadata?, first: [UInt8]?, second: [UInt8]?, end: (RPCError?, Metadata)?,
        encoding: CompressionAlgorithm = .identity
    ) {
        guard let stream = streams[streamID] else { return }
        if let headers, stream.machine.sendHeaders() {
            if headers.isEmpty && encoding == .identity {
                pump.session?.submitResponse(streamID: streamID, headers: StaticHeaderBlock.okResponseHeaders)
            } else {
                pump.session?.submitResponse(
                    streamID: streamID, headers: Self.responseHeaderFields(headers, encoding: encoding), hasBody: true)
            }
        }
        if stream.machine.acceptsMessages {
            if let first { queueResponse(first, on: stream) }
            if let second, stream.machine.acceptsMessages { queueResponse(second, on: stream) }
        }
        if let (error, trailers) = end { finish(stream, error: error, trailers: trailers) }
        pump.session?.resumeData(streamID: streamID)
        scheduleFlush()
    }

    /// A streaming handler took `bytes` of queued request messages.
    func consumed(streamID: Int32, bytes: Int) {
        guard let stream = streams[streamID] else { return }
        pump.session?.consumeStream(streamID, holdingInbound(stream, { stream.machine.messagesConsumed(bytes) }))
        scheduleFlush()
    }
}
