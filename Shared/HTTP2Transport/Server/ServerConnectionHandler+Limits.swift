import NIOCore
import RPCCore

/// What one connection may make the server hold, per call and in total: the bytes of
/// requests and responses buffered for its calls, the time a request may take to arrive, and
/// the time a response may wait on a window of 0. The per-call timers share one connection
/// timer (``ServerConnectionStateMachine/Timer/streamLimits``), armed for the earliest due
/// call, so a call costs a timestamp rather than a scheduled task.
extension ServerConnectionHandler {
    // MARK: Bytes held

    /// Runs `body`, which may change the request bytes `stream` holds, and keeps the
    /// connection's total up to date.
    @discardableResult
    func holdingInbound<Result>(_ stream: ServerStream, _ body: () -> Result) -> Result {
        let before = stream.machine.bufferedBytes
        let result = body()
        pendingInboundBytes += stream.machine.bufferedBytes - before
        return result
    }

    /// The connection holds more request bytes than allowed: the call whose data went beyond
    /// ends with RESOURCE_EXHAUSTED, and what it held is dropped.
    func inboundLimitReached(_ stream: ServerStream) {
        let limit = configuration.maxPendingInboundBytesPerConnection
        logger.info(
            "limit reached",
            metadata: ["h2.reason": "pending_inbound_bytes", "h2.stream_id": "\(stream.id)", "h2.limit": "\(limit)"])
        observer?.limitReached(.pendingInboundBytes)
        fail(stream, error: RPCError(
            code: .resourceExhausted,
            message: "the connection holds more than \(limit) bytes of unfinished requests (maxPendingInboundBytesPerConnection)"))
    }

    /// Queues a response message, unless the connection would then hold more response bytes
    /// than allowed: the call then ends with RESOURCE_EXHAUSTED, its queued bytes dropped.
    func queueResponse(_ bytes: [UInt8], on stream: ServerStream) {
        let limit = configuration.maxPendingOutboundBytesPerConnection
        guard pendingOutboundBytes + bytes.count <= limit else {
            logger.info(
                "limit reached",
                metadata: ["h2.reason": "pending_outbound_bytes", "h2.stream_id": "\(stream.id)", "h2.limit": "\(limit)"])
            observer?.limitReached(.pendingOutboundBytes)
            fail(
                stream,
                error: RPCError(
                    code: .resourceExhausted,
                    message: "the connection holds more than \(limit) bytes of responses its client has not read (maxPendingOutboundBytesPerConnection)"),
                discardingQueued: true)
            return
        }
        pendingOutboundBytes += bytes.count
        stream.outbound.enqueue(bytes)
    }

    /// Drops the response bytes of `stream` not yet taken by nghttp2.
    func discardResponse(_ stream: ServerStream) {
        pendingOutboundBytes -= stream.outbound.pendingBytes
        stream.outbound.discardPending()
    }

    // MARK: Times

    /// The client started sending a request that has not ended: it has
    /// ``HTTP2ServerConfiguration/maxRequestReceiveTime`` to finish.
    func requestStarted(_ stream: ServerStream) {
        guard let limit = configuration.maxRequestReceiveTime else { return }
        let now = self.now
        stream.receivingSince = now
        armStreamLimits(due: now + limit)
    }

    /// After a flush: the calls with response bytes that nghttp2 would not take (it wants to
    /// write nothing more) wait on a window of 0; note since when.
    func trackFlowControlBlocking(sessionWantsWrite: Bool) {
        guard let limit = configuration.maxZeroWindowTime else { return }
        var blockedSince: Duration?
        for stream in streams.values {
            guard !sessionWantsWrite, stream.outbound.pendingBytes > 0 else {
                stream.blockedSince = nil
                continue
            }
            if stream.blockedSince == nil {
                blockedSince = blockedSince ?? now
                stream.blockedSince = blockedSince
            }
        }
        if let blockedSince { armStreamLimits(due: blockedSince + limit) }
    }

    /// The ``ServerConnectionStateMachine/Timer/streamLimits`` timer fired: ends the calls
    /// past a limit and arms the timer for the next one due.
    func enforceStreamLimits() {
        streamLimitsDue = nil
        let now = self.now
        var nextDue: Duration?
        for stream in Array(streams.values) {
            if let since = stream.receivingSince, let limit = configuration.maxRequestReceiveTime {
                if !stream.machine.isReceiving {
                    stream.receivingSince = nil
                } else if now - since >= limit {
                    stream.receivingSince = nil
                    requestReceiveTimeReached(stream, limit: limit)
                    continue
                } else {
                    nextDue = min(nextDue ?? since + limit, since + limit)
                }
            }
            if let since = stream.blockedSince, let limit = configuration.maxZeroWindowTime {
                if now - since >= limit {
                    zeroWindowTimeReached(stream, limit: limit)
                } else {
                    nextDue = min(nextDue ?? since + limit, since + limit)
                }
            }
        }
        if let nextDue { armStreamLimits(due: nextDue) }
        flush()
    }

    private func requestReceiveTimeReached(_ stream: ServerStream, limit: Duration) {
        logger.info("limit reached", metadata: ["h2.reason": "request_receive_time", "h2.stream_id": "\(stream.id)"])
        observer?.limitReached(.requestReceiveTime)
        fail(
            stream,
            error: RPCError(
                code: .deadlineExceeded,
                message: "the request did not arrive in full within \(limit) (maxRequestReceiveTime)"),
            discardingQueued: true)
    }

    /// The client read nothing of the response for too long: RST_STREAM ENHANCE_YOUR_CALM (a
    /// status could not reach it either: it would wait behind the unread bytes).
    private func zeroWindowTimeReached(_ stream: ServerStream, limit: Duration) {
        logger.info("limit reached", metadata: ["h2.reason": "zero_window_time", "h2.stream_id": "\(stream.id)"])
        observer?.limitReached(.zeroWindowTime)
        stream.blockedSince = nil
        discardResponse(stream)
        pump.session?.submitReset(streamID: stream.id, errorCode: HTTP2ErrorCode.enhanceYourCalm.rawValue)
        abandon(stream, error: RPCError(
            code: .resourceExhausted, message: "the client read none of the response for \(limit) (maxZeroWindowTime)"))
    }

    /// Arms the shared timer for `due`, unless it is armed for an earlier time.
    private func armStreamLimits(due: Duration) {
        if let armed = streamLimitsDue, armed <= due { return }
        guard let loopBound else { return }
        streamLimitsDue = due
        timers?.schedule(.streamLimits, after: max(due - now, .zero), owner: loopBound) { $0.timerFired(.streamLimits) }
    }
}
