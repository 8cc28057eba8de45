internal import CNGHTTP2
import Logging
import NIOCore
import RPCCore

/// The nghttp2 session's events, translated for the state machines.
extension ServerConnectionHandler: NGHTTP2SessionDelegate {
    func sessionBeginFrame(type: UInt8, flags: UInt8) {
        let opens = HTTP2FrameType.opensHeaderBlock(type: type, flags: flags)
        if let action = connection.frameReceived(opensHeaderBlock: opens) { perform(action) }
    }

    func sessionSettingsReceived() {
        perform(connection.settingsReceived())
    }

    func sessionBeginHeaders(streamID: Int32) {
        guard streams[streamID] == nil else { return }
        let machine = ServerStreamStateMachine(
            id: streamID, maxHeaderListBytes: configuration.maxHeaderListBytes,
            maxReceiveMessageBytes: configuration.maxReceiveMessageBytes,
            windowBytes: configuration.initialStreamWindowBytes)
        streams[streamID] = ServerStream(machine: machine, writeBufferBytes: configuration.streamWriteBufferBytes)
        connection.streamOpened(id: streamID)
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
        return stream.machine.receivedHeaderField(name: name, value: value, strings: &headerStrings)
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        headerStream = nil
        guard let stream = streams[streamID] else { return }
        handle(stream.machine.headersComplete(endStream: endStream, router: router), for: stream)
        if stream.machine.isReceiving, stream.receivingSince == nil, streams[streamID] != nil { requestStarted(stream) }
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        let session = pump.session
        session?.consumeConnection(bytes.count)
        guard let stream = streams[streamID] else {
            session?.consumeStream(streamID, bytes.count)
            return
        }
        let outcome = holdingInbound(stream) { stream.machine.receivedData(bytes) }
        if pendingInboundBytes > configuration.maxPendingInboundBytesPerConnection, stream.machine.isReceiving {
            session?.consumeStream(streamID, bytes.count)
            inboundLimitReached(stream)
            return
        }
        switch outcome {
        case .discard(let acknowledge):
            session?.consumeStream(streamID, acknowledge)
        case .collected(let acknowledge, let startNow):
            session?.consumeStream(streamID, acknowledge)
            if startNow { startCollected(stream) }
        case .deliver(let messages, let acknowledge):
            if let inbound = stream.inbound {
                for message in messages { inbound.push(message) }
            }
            session?.consumeStream(streamID, acknowledge)
        case .fail(let error, let acknowledge):
            session?.consumeStream(streamID, acknowledge)
            fail(stream, error: error)
        }
    }

    func sessionRemoteEnded(streamID: Int32) {
        guard let stream = streams[streamID] else { return }
        handle(stream.machine.remoteEnded(), for: stream)
    }

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: streamID) else { return }
        if headerStream === stream { headerStream = nil }
        pendingOutboundBytes -= stream.outbound.pendingBytes
        if holdingInbound(stream, { stream.machine.closed() }) {
            cancelHandler(stream, error: RPCError(code: .cancelled, message: "the client cancelled the call"))
        }
        stream.deadlineTimer?.cancel()
        stream.pendingStart = nil
        connection.streamClosed(now: self.now)
    }

    func sessionReadData(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool
    ) -> Int {
        guard let stream = streams[streamID] else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
        guard let result = stream.outbound.read(into: buffer, endOfData: &endOfData) else {
            return Int(NGHTTP2_ERR_DEFERRED.rawValue)
        }
        if result.count > 0 {
            pendingOutboundBytes -= result.count
            stream.blockedSince = nil
            stream.responder?.drained(result.count)
        }
        switch result.ending {
        case .trailers(let trailers):
            noEndStream = true
            pump.session?.submitTrailer(streamID: streamID, headers: trailers)
        case .staticTrailers(let trailers):
            noEndStream = true
            pump.session?.submitTrailer(streamID: streamID, headers: trailers)
        case .endStream, nil:
            break
        }
        return result.count
    }

    func sessionFrameSent(streamID: Int32, type: UInt8, flags: UInt8) {
        guard type == HTTP2FrameType.headers.rawValue || type == HTTP2FrameType.data.rawValue else { return }
        connection.headersOrDataSent()
        guard flags & HTTP2FrameType.endStreamFlag != 0, let stream = streams[streamID] else { return }
        stream.deadlineTimer?.cancel()
        if stream.machine.endStreamSent() {
            // The call is over; stop the client's upload rather than buffer it.
            pump.session?.submitReset(streamID: streamID, errorCode: HTTP2ErrorCode.noError.rawValue)
        }
    }

    func sessionPing(ack: Bool, opaque: UInt64) {
        if ack {
            perform(connection.pingAckReceived(opaque: opaque))
            return
        }
        let actions = connection.pingReceived()
        if !actions.isEmpty {
            logger.info("too many pings", metadata: ["h2.ping_strikes": "\(connection.pingStrikes)"])
            observer?.limitReached(.pingStrikes)
            perform(actions)
        }
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {
        logger.debug(
            "GOAWAY received",
            metadata: [
                "h2.error_code": "\(HTTP2ErrorCode(rawValue: errorCode))", "h2.last_stream_id": "\(lastStreamID)",
            ])
    }
}
