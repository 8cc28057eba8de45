internal import CNGHTTP2
import NIOCore

/// What an nghttp2 session reports to the connection that drives it. Every call happens on
/// the connection's event loop, from inside `NGHTTP2Session.receive` or `.send`.
protocol NGHTTP2SessionDelegate: AnyObject {
    /// A header block starts on a stream (a new request on a server, a response on a client).
    func sessionBeginHeaders(streamID: Int32)
    /// One header field, as nghttp2 holds it (valid during the call only). Returning false
    /// resets the stream (e.g. the header list is too large).
    func sessionHeader(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool
    /// A header block is complete.
    func sessionHeadersComplete(streamID: Int32, endStream: Bool)
    /// A chunk of DATA payload.
    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer)
    /// The peer ended its side of a stream with a DATA frame.
    func sessionRemoteEnded(streamID: Int32)
    /// The stream is closed (normally or by RST_STREAM; `errorCode` is the HTTP/2 code).
    func sessionStreamClosed(streamID: Int32, errorCode: UInt32)
    /// The session wants DATA payload for a stream: copy into `buffer`, return the count or
    /// `NGHTTP2_ERR_DEFERRED`; set `endOfData` when the body is complete.
    func sessionReadData(streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool) -> Int
    /// A frame was sent.
    func sessionFrameSent(streamID: Int32, type: UInt8, flags: UInt8)
    /// A PING arrived (`ack` = it answers one of ours).
    func sessionPing(ack: Bool, opaque: UInt64)
    /// The peer sent GOAWAY.
    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32)
    /// A frame header arrived (before its payload); `type` and `flags` as on the wire.
    func sessionBeginFrame(type: UInt8, flags: UInt8)
    /// The peer's SETTINGS (not an ACK) arrived; on a server the first one completes the preface.
    func sessionSettingsReceived()
}

/// A thin owner of one `nghttp2_session`: creates it with our callbacks and options, frees it,
/// and exposes the calls the connection handlers need. Confined to one event loop.
final class NGHTTP2Session {
    /// Which side of the connection the session plays.
    enum Role { case server, client }

    /// Protective options; each one set only when the loaded library has it.
    struct Options {
        var maxSettingsEntries = 32
        var maxOutboundAcks = 1000
        var streamResetBurst: UInt64 = 1000
        var streamResetRate: UInt64 = 33
        var maxContinuations = 8
    }

    private var session: OpaquePointer?
    /// The connection handler that owns this session (and so outlives it): not retained, and
    /// not weak either, which would cost an atomic load on every callback.
    unowned(unsafe) let delegate: any NGHTTP2SessionDelegate

    /// Creates a session; nghttp2's own window updates are off so that received data is
    /// acknowledged only as it is consumed. Nil when nghttp2 cannot allocate it (its
    /// constructors' only failure, out of memory): the connection is then closed.
    init?(role: Role, options: Options, delegate: any NGHTTP2SessionDelegate) {
        self.delegate = delegate
        var callbacks: OpaquePointer?
        guard nghttp2_session_callbacks_new(&callbacks) == 0, callbacks != nil else { return nil }
        defer { nghttp2_session_callbacks_del(callbacks) }
        Self.install(callbacks)

        var option: OpaquePointer?
        guard nghttp2_option_new(&option) == 0, option != nil else { return nil }
        defer { nghttp2_option_del(option) }
        nghttp2_option_set_no_auto_window_update(option, 1)
        nghttp2_option_set_max_deflate_dynamic_table_size(option, 4096)
        _ = cnghttp2_option_set_max_settings(option, options.maxSettingsEntries)
        _ = cnghttp2_option_set_max_outbound_ack(option, options.maxOutboundAcks)
        _ = cnghttp2_option_set_stream_reset_rate_limit(option, options.streamResetBurst, options.streamResetRate)
        _ = cnghttp2_option_set_max_continuations(option, options.maxContinuations)

        let userData = Unmanaged.passUnretained(self).toOpaque()
        let created: Int32
        switch role {
        case .server: created = nghttp2_session_server_new2(&session, callbacks, userData, option)
        case .client: created = nghttp2_session_client_new2(&session, callbacks, userData, option)
        }
        guard created == 0, session != nil else { return nil }
    }

    deinit {
        nghttp2_session_del(session)
    }

    // MARK: Driving the session

    /// Feeds received bytes. A negative result is fatal: the connection must be closed.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        return nghttp2_session_mem_recv(session, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }

    /// Appends the frames nghttp2 wants to send to `buffer`, up to about `limit` bytes.
    /// - Returns: false on a fatal session error.
    func send(into buffer: inout ByteBuffer, limit: Int) -> Bool {
        while buffer.readableBytes < limit {
            var data: UnsafePointer<UInt8>?
            let count = nghttp2_session_mem_send(session, &data)
            if count < 0 { return false }
            guard count > 0, let data else { break }
            buffer.writeBytes(UnsafeRawBufferPointer(start: data, count: count))
        }
        return true
    }

    /// Whether the session still wants to read or write; when neither, the connection is done.
    var isActive: Bool { nghttp2_session_want_read(session) != 0 || nghttp2_session_want_write(session) != 0 }

    /// Whether nghttp2 has frames to send.
    var wantsWrite: Bool { nghttp2_session_want_write(session) != 0 }

    /// The highest stream id the session processed (for the final GOAWAY).
    var lastProcessedStreamID: Int32 { nghttp2_session_get_last_proc_stream_id(session) }

    /// nghttp2's text for one of its (negative) error codes, for logs.
    static func describe(error code: Int) -> String {
        guard let text = nghttp2_strerror(Int32(clamping: code)) else { return "nghttp2 error \(code)" }
        return String(cString: text)
    }

    // MARK: Submitting frames

    /// Queues a SETTINGS frame.
    func submitSettings(_ settings: [(id: Int32, value: UInt32)]) {
        let entries = settings.map { nghttp2_settings_entry(settings_id: $0.id, value: $0.value) }
        _ = entries.withUnsafeBufferPointer {
            nghttp2_submit_settings(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress, $0.count)
        }
    }

    /// Raises the connection's receive window.
    func setLocalConnectionWindow(_ size: Int32) {
        nghttp2_session_set_local_window_size(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), 0, size)
    }

    /// Queues response headers; with `hasBody` the body comes from `sessionReadData`,
    /// otherwise the headers end the stream (Trailers-Only or an HTTP error).
    func submitResponse(streamID: Int32, headers: [(String, String)], hasBody: Bool) {
        Self.withHeaderFields(headers) { fields, count in
            if hasBody {
                var provider = Self.dataProvider()
                _ = nghttp2_submit_response(session, streamID, fields, count, &provider)
            } else {
                _ = nghttp2_submit_response(session, streamID, fields, count, nil)
            }
        }
    }

    /// Queues response headers from a prebuilt block; the body comes from `sessionReadData`.
    func submitResponse(streamID: Int32, headers: StaticHeaderBlock) {
        var provider = Self.dataProvider()
        _ = nghttp2_submit_response(session, streamID, headers.fields, headers.count, &provider)
    }

    /// Queues trailers from a prebuilt block (same rules as the other `submitTrailer`).
    func submitTrailer(streamID: Int32, headers: StaticHeaderBlock) {
        _ = nghttp2_submit_trailer(session, streamID, headers.fields, headers.count)
    }

    /// Queues a request whose body comes from `sessionReadData`.
    /// - Returns: The new stream's id, or a negative nghttp2 error.
    func submitRequest(headers: [(String, String)]) -> Int32 {
        Self.withHeaderFields(headers) { fields, count in
            var provider = Self.dataProvider()
            return nghttp2_submit_request(session, nil, fields, count, &provider, nil)
        }
    }

    /// Queues a request from a prebuilt block (kept alive by the caller until the stream
    /// closes); the body comes from `sessionReadData`.
    /// - Returns: The new stream's id, or a negative nghttp2 error.
    func submitRequest(headers: StaticHeaderBlock) -> Int32 {
        var provider = Self.dataProvider()
        return nghttp2_submit_request(session, nil, headers.fields, headers.count, &provider, nil)
    }

    /// Queues trailers; only valid from `sessionReadData` with `noEndStream` set, or after.
    func submitTrailer(streamID: Int32, headers: [(String, String)]) {
        Self.withHeaderFields(headers) { fields, count in
            _ = nghttp2_submit_trailer(session, streamID, fields, count)
        }
    }

    /// Queues RST_STREAM.
    func submitReset(streamID: Int32, errorCode: UInt32) {
        nghttp2_submit_rst_stream(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), streamID, errorCode)
    }

    /// Queues GOAWAY.
    func submitGoAway(lastStreamID: Int32, errorCode: UInt32, debug: String) {
        var debugBytes = Array(debug.utf8)
        _ = debugBytes.withUnsafeMutableBufferPointer {
            nghttp2_submit_goaway(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), lastStreamID, errorCode, $0.baseAddress, $0.count)
        }
    }

    /// Queues a GOAWAY after which the session ends (it wants neither reads nor writes once sent).
    func terminate(errorCode: UInt32) {
        _ = nghttp2_session_terminate_session(session, errorCode)
    }

    /// Queues the first GOAWAY of a graceful shutdown (last stream id 2^31-1).
    func submitShutdownNotice() {
        nghttp2_submit_shutdown_notice(session)
    }

    /// Queues a PING.
    func submitPing(opaque: UInt64) {
        var payload = opaque.bigEndian
        withUnsafeBytes(of: &payload) {
            _ = nghttp2_submit_ping(session, UInt8(NGHTTP2_FLAG_NONE.rawValue), $0.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Tells nghttp2 a deferred stream has data (or its end) ready.
    func resumeData(streamID: Int32) {
        nghttp2_session_resume_data(session, streamID)
    }

    /// Acknowledges received bytes at the connection level (a WINDOW_UPDATE follows).
    func consumeConnection(_ count: Int) {
        guard count > 0 else { return }
        nghttp2_session_consume_connection(session, count)
    }

    /// Acknowledges received bytes of one stream.
    func consumeStream(_ streamID: Int32, _ count: Int) {
        guard count > 0 else { return }
        nghttp2_session_consume_stream(session, streamID, count)
    }

    // MARK: C glue

    private static func withHeaderFields<R>(_ headers: [(String, String)], _ body: (UnsafePointer<nghttp2_nv>, Int) -> R) -> R {
        var bytes: [UInt8] = []
        var spans: [(Int, Int, Int, Int)] = []
        for (name, value) in headers {
            let nameStart = bytes.count
            bytes.append(contentsOf: name.utf8)
            let valueStart = bytes.count
            bytes.append(contentsOf: value.utf8)
            spans.append((nameStart, valueStart - nameStart, valueStart, bytes.count - valueStart))
        }
        if bytes.isEmpty { bytes.append(0) }
        return bytes.withUnsafeMutableBufferPointer { storage in
            let base = storage.baseAddress!
            let fields = spans.map { span in
                nghttp2_nv(
                    name: base + span.0, value: base + span.2, namelen: span.1, valuelen: span.3,
                    flags: UInt8(NGHTTP2_NV_FLAG_NONE.rawValue))
            }
            return fields.withUnsafeBufferPointer { body($0.baseAddress!, $0.count) }
        }
    }

    private static func owner(_ userData: UnsafeMutableRawPointer?) -> NGHTTP2Session {
        Unmanaged<NGHTTP2Session>.fromOpaque(userData!).takeUnretainedValue()
    }

    private static func dataProvider() -> nghttp2_data_provider {
        nghttp2_data_provider(
            source: nghttp2_data_source(ptr: nil),
            read_callback: { _, streamID, buffer, length, flags, _, userData in
                guard let buffer else { return Int(NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue) }
                let delegate = NGHTTP2Session.owner(userData).delegate
                var endOfData = false
                var noEndStream = false
                let count = delegate.sessionReadData(
                    streamID: streamID, into: UnsafeMutableRawBufferPointer(start: buffer, count: length),
                    endOfData: &endOfData, noEndStream: &noEndStream)
                if endOfData { flags!.pointee |= NGHTTP2_DATA_FLAG_EOF.rawValue }
                if noEndStream { flags!.pointee |= NGHTTP2_DATA_FLAG_NO_END_STREAM.rawValue }
                return count
            })
    }

    private static func install(_ callbacks: OpaquePointer?) {
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks) { _, frame, userData in
            guard let frame, frame.pointee.hd.type == UInt8(NGHTTP2_HEADERS.rawValue) else { return 0 }
            NGHTTP2Session.owner(userData).delegate.sessionBeginHeaders(streamID: frame.pointee.hd.stream_id)
            return 0
        }
        nghttp2_session_callbacks_set_on_header_callback(callbacks) { _, frame, name, nameLength, value, valueLength, _, userData in
            guard let frame, let name, let value else { return 0 }
            let accepted = NGHTTP2Session.owner(userData).delegate.sessionHeader(
                streamID: frame.pointee.hd.stream_id, name: UnsafeBufferPointer(start: name, count: nameLength),
                value: UnsafeBufferPointer(start: value, count: valueLength))
            return accepted ? 0 : NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE.rawValue
        }
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            let delegate = NGHTTP2Session.owner(userData).delegate
            let header = frame.pointee.hd
            let endStream = header.flags & UInt8(NGHTTP2_FLAG_END_STREAM.rawValue) != 0
            switch UInt32(header.type) {
            case NGHTTP2_HEADERS.rawValue:
                delegate.sessionHeadersComplete(streamID: header.stream_id, endStream: endStream)
            case NGHTTP2_DATA.rawValue:
                if endStream { delegate.sessionRemoteEnded(streamID: header.stream_id) }
            case NGHTTP2_PING.rawValue:
                let opaque = withUnsafeBytes(of: frame.pointee.ping.opaque_data) { $0.loadUnaligned(as: UInt64.self) }
                delegate.sessionPing(ack: header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) != 0, opaque: UInt64(bigEndian: opaque))
            case NGHTTP2_GOAWAY.rawValue:
                delegate.sessionGoAway(lastStreamID: frame.pointee.goaway.last_stream_id, errorCode: frame.pointee.goaway.error_code)
            case NGHTTP2_SETTINGS.rawValue:
                if header.flags & UInt8(NGHTTP2_FLAG_ACK.rawValue) == 0 { delegate.sessionSettingsReceived() }
            default:
                break
            }
            return 0
        }
        nghttp2_session_callbacks_set_on_begin_frame_callback(callbacks) { _, header, userData in
            guard let header else { return 0 }
            NGHTTP2Session.owner(userData).delegate.sessionBeginFrame(type: header.pointee.type, flags: header.pointee.flags)
            return 0
        }
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks) { _, _, streamID, data, length, userData in
            guard let data else { return 0 }
            NGHTTP2Session.owner(userData).delegate.sessionData(streamID: streamID, bytes: UnsafeRawBufferPointer(start: data, count: length))
            return 0
        }
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks) { _, streamID, errorCode, userData in
            NGHTTP2Session.owner(userData).delegate.sessionStreamClosed(streamID: streamID, errorCode: errorCode)
            return 0
        }
        nghttp2_session_callbacks_set_on_frame_send_callback(callbacks) { _, frame, userData in
            guard let frame else { return 0 }
            NGHTTP2Session.owner(userData).delegate.sessionFrameSent(
                streamID: frame.pointee.hd.stream_id, type: frame.pointee.hd.type, flags: frame.pointee.hd.flags)
            return 0
        }
    }
}
