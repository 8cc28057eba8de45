@testable import HTTP2Transport
import NIOCore
import NIOEmbedded

/// An HTTP/2 client for handler tests: the transport's own `NGHTTP2Session` in client role,
/// exchanging bytes with a server handler in an `EmbeddedChannel` (no sockets, virtual time).
final class EmbeddedHTTP2Client: NGHTTP2SessionDelegate {
    /// What came back on one stream.
    struct Response {
        var headers: [(String, String)] = []
        var trailers: [(String, String)] = []
        var data: [UInt8] = []
        /// The stream's close code (0 for a normal close or RST_STREAM NO_ERROR), once closed.
        var closedWith: UInt32?

        func header(_ name: String) -> String? { headers.first { $0.0 == name }?.1 }
        func trailer(_ name: String) -> String? { trailers.first { $0.0 == name }?.1 }
        /// `grpc-status` from the trailers, or from the headers of a Trailers-Only response.
        var grpcStatus: String? { trailer("grpc-status") ?? header("grpc-status") }
        var grpcMessage: String? { trailer("grpc-message") ?? header("grpc-message") }
    }

    /// nghttp2's NGHTTP2_ERR_DEFERRED: a data provider with nothing ready yet.
    private static let deferred = -508

    let channel: EmbeddedChannel
    private var session: NGHTTP2Session!
    private(set) var responses: [Int32: Response] = [:]
    /// Every GOAWAY the server sent, read from its raw frames (an nghttp2 client that received
    /// one with no stream open ignores what follows, so its callbacks would miss the second).
    private(set) var goAways: [(lastStreamID: Int32, errorCode: UInt32)] = []
    /// Server bytes not yet parsed into whole frames.
    private var unparsed: [UInt8] = []
    private(set) var pingAcks: [UInt64] = []
    /// Request body bytes not yet taken by the session, and whether the body ends after them.
    private var bodies: [Int32: (bytes: [UInt8], ends: Bool)] = [:]
    private var headerBlock: [(String, String)] = []
    /// Bytes the client wrote to the server and read from it.
    private(set) var bytesToServer = 0
    private(set) var bytesFromServer = 0

    init(channel: EmbeddedChannel) {
        self.channel = channel
        session = NGHTTP2Session(role: .client, options: .init(), delegate: self)!
        session.submitSettings([])
    }

    /// Opens a stream with gRPC request headers and, optionally, a body.
    @discardableResult
    func request(
        path: String, contentType: String = "application/grpc", extra: [(String, String)] = [], body: [UInt8] = [],
        endStream: Bool = true
    ) -> Int32 {
        let headers = [
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"),
            ("content-type", contentType), ("te", "trailers"),
        ] + extra
        let id = session.submitRequest(headers: headers)
        bodies[id] = (body, endStream)
        return id
    }

    /// Queues a PING.
    func ping(_ opaque: UInt64) {
        session.submitPing(opaque: opaque)
    }

    /// Writes raw bytes to the server, past the client session (for frames it would not send).
    func writeRaw(_ bytes: [UInt8]) throws {
        bytesToServer += bytes.count
        try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
    }

    /// Reads what the server wrote, without sending anything.
    func receiveFromServer() throws {
        var moved = false
        try readFromServer(&moved)
    }

    /// Sends what the client has queued, runs the loop's ready tasks, and feeds the server's
    /// answer back, until neither side has more to say.
    func exchange() throws {
        var moved = true
        while moved {
            moved = false
            var buffer = channel.allocator.buffer(capacity: 1024)
            _ = session.send(into: &buffer, limit: 1 << 20)
            if buffer.readableBytes > 0 {
                moved = true
                bytesToServer += buffer.readableBytes
                try channel.writeInbound(buffer)
            }
            channel.embeddedEventLoop.run()
            try readFromServer(&moved)
        }
    }

    /// Advances the loop's virtual time, then exchanges what that produced.
    func advanceTime(by amount: TimeAmount) throws {
        channel.embeddedEventLoop.advanceTime(by: amount)
        try exchange()
    }

    private func readFromServer(_ moved: inout Bool) throws {
        while let output = try channel.readOutbound(as: ByteBuffer.self) {
            guard output.readableBytes > 0 else { continue }
            moved = true
            bytesFromServer += output.readableBytes
            unparsed += output.readableBytesView
            parseFrames()
            _ = output.withUnsafeReadableBytes { session.receive($0) }
        }
    }

    /// Splits the server's bytes into frames (9-byte headers) and records its GOAWAYs.
    private func parseFrames() {
        while unparsed.count >= 9 {
            let length = Int(unparsed[0]) << 16 | Int(unparsed[1]) << 8 | Int(unparsed[2])
            guard unparsed.count >= 9 + length else { return }
            if unparsed[3] == HTTP2FrameType.goAway.rawValue, length >= 8 {
                func word(_ at: Int) -> UInt32 {
                    unparsed[9 + at ..< 13 + at].reduce(0) { $0 << 8 | UInt32($1) }
                }
                goAways.append((Int32(bitPattern: word(0) & 0x7FFF_FFFF), word(4)))
            }
            unparsed.removeFirst(9 + length)
        }
    }

    func response(_ id: Int32) -> Response { responses[id] ?? Response() }

    // MARK: NGHTTP2SessionDelegate

    func sessionBeginHeaders(streamID: Int32) {
        headerBlock = []
    }

    func sessionHeader(streamID: Int32, name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        headerBlock.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        return true
    }

    func sessionHeadersComplete(streamID: Int32, endStream: Bool) {
        var response = responses[streamID] ?? Response()
        if response.headers.isEmpty {
            response.headers = headerBlock
        } else {
            response.trailers = headerBlock
        }
        responses[streamID] = response
    }

    func sessionData(streamID: Int32, bytes: UnsafeRawBufferPointer) {
        responses[streamID, default: Response()].data += bytes
        session.consumeConnection(bytes.count)
        session.consumeStream(streamID, bytes.count)
    }

    func sessionRemoteEnded(streamID: Int32) {}

    func sessionStreamClosed(streamID: Int32, errorCode: UInt32) {
        responses[streamID, default: Response()].closedWith = errorCode
    }

    func sessionReadData(
        streamID: Int32, into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool, noEndStream: inout Bool
    ) -> Int {
        guard var body = bodies[streamID] else { return Self.deferred }
        let count = min(buffer.count, body.bytes.count)
        body.bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        body.bytes.removeFirst(count)
        bodies[streamID] = body
        if body.bytes.isEmpty && body.ends {
            endOfData = true
            bodies[streamID] = nil
        } else if count == 0 {
            return Self.deferred
        }
        return count
    }

    func sessionFrameSent(streamID: Int32, type: UInt8, flags: UInt8) {}

    func sessionPing(ack: Bool, opaque: UInt64) {
        if ack { pingAcks.append(opaque) }
    }

    func sessionGoAway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionBeginFrame(type: UInt8, flags: UInt8) {}

    func sessionSettingsReceived() {}
}
