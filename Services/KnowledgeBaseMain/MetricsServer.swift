import NIOCore
import NIOPosix
import Synchronization

/// A minimal HTTP/1.1 endpoint that answers every GET with Prometheus text: enough for a
/// scraper (`GET /metrics`), nothing more. Each connection serves one request and closes.
final class MetricsServer: Sendable {
    private let host: String
    private let port: Int
    private let render: @Sendable () -> String
    private let channel = Mutex<(any Channel)?>(nil)

    init(host: String, port: Int, render: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.render = render
    }

    /// Binds; returns the port.
    func start() async throws -> Int {
        let render = render
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(render: render))
                }
            }
            .bind(host: host, port: port).get()
        channel.withLock { $0 = bound }
        return bound.localAddress?.port ?? port
    }

    func shutdown() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
    }

    /// Reads until the end of the request head, then writes the page and closes.
    private final class RequestHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let render: @Sendable () -> String
        private var received = ""
        private var answered = false

        init(render: @escaping @Sendable () -> String) {
            self.render = render
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            received += buffer.readString(length: buffer.readableBytes) ?? ""
            guard !answered, received.contains("\r\n\r\n") || received.contains("\n\n") || received.count > 8192
            else { return }
            answered = true
            let isGet = received.hasPrefix("GET ")
            let body = isGet ? render() : "only GET is served here\n"
            let status = isGet ? "200 OK" : "405 Method Not Allowed"
            let head =
                "HTTP/1.1 \(status)\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "content-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
            let response = context.channel.allocator.buffer(string: head + body)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(response)).whenComplete { _ in channel.close(promise: nil) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
