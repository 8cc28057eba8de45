import NIOCore

/// Answers a connection refused by a connection limit: the server's SETTINGS and a GOAWAY
/// (last stream 0, ENHANCE_YOUR_CALM, the limit's name as debug data), then closes its side
/// and discards what the client sends for the linger time, so that the client reads why instead
/// of a reset. Written without an nghttp2 session: the point is to spend nothing on a
/// connection that is not served.
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let reason: HTTP2ConnectionRejection
    private let lingerTime: Duration

    init(reason: HTTP2ConnectionRejection, lingerTime: Duration) {
        self.reason = reason
        self.lingerTime = lingerTime
    }

    /// An empty SETTINGS frame, then GOAWAY(0, ENHANCE_YOUR_CALM, reason).
    static func frames(_ reason: HTTP2ConnectionRejection) -> [UInt8] {
        let debug = Array(reason.rawValue.utf8)
        var bytes: [UInt8] = [0, 0, 0, HTTP2FrameType.settings.rawValue, 0, 0, 0, 0, 0]
        let length = 8 + debug.count
        bytes += [UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF), HTTP2FrameType.goAway.rawValue, 0]
        bytes += [0, 0, 0, 0]  // stream 0
        bytes += [0, 0, 0, 0]  // last stream id 0
        let code = HTTP2ErrorCode.enhanceYourCalm.rawValue
        bytes += [UInt8(code >> 24 & 0xFF), UInt8(code >> 16 & 0xFF), UInt8(code >> 8 & 0xFF), UInt8(code & 0xFF)]
        return bytes + debug
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: Self.frames(reason))))
            .whenComplete { _ in channel.close(mode: .output, promise: nil) }
        channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(lingerTime.nanoseconds))) {
            channel.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The client's preface: nothing is served.
    }
}
