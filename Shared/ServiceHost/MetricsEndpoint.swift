public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
public import ServiceLifecycle
import Synchronization

/// The Prometheus endpoint as a service: HTTP/1.1 (SwiftNIO's NIOHTTP1) on its own port;
/// `GET /metrics` returns ``HostMetrics/render()`` in the text exposition format, other paths
/// 404, other methods 405. Keep-alive is honoured, as scrapers reuse connections.
public final class MetricsEndpoint: Service, Sendable, CustomStringConvertible {
    public var description: String { "MetricsEndpoint" }

    private let host: String
    private let port: Int
    private let metrics: HostMetrics
    private let logger: Logger
    private let bound = BoundPort()

    /// Creates the endpoint; it listens while ``run()`` runs.
    public init(host: String, port: Int, metrics: HostMetrics, logger: Logger) {
        self.host = host
        self.port = port
        self.metrics = metrics
        self.logger = logger
    }

    /// The port bound, once listening (useful with port 0).
    public var boundPort: Int {
        get async throws { try await bound.value }
    }

    public func run() async throws {
        let metrics = metrics
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(MetricsRequestHandler(metrics: metrics))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            bound.fail(error)
            throw error
        }
        let port = channel.localAddress?.port ?? port
        bound.succeed(port)
        logger.info("metrics endpoint listening", metadata: ["metrics.host": "\(host)", "metrics.port": "\(port)"])
        await withTaskCancellationOrGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// Answers one HTTP/1.1 request at a time with the metrics page.
private final class MetricsRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: HostMetrics
    private var head: HTTPRequestHead?

    init(metrics: HostMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        let status: HTTPResponseStatus
        var body: [UInt8]
        var contentType = "text/plain; charset=utf-8"
        if head.method != .GET && head.method != .HEAD {
            (status, body) = (.methodNotAllowed, Array("only GET is served here\n".utf8))
        } else if path != "/metrics" {
            (status, body) = (.notFound, Array("metrics are at /metrics\n".utf8))
        } else {
            (status, body) = (.ok, metrics.render())
            contentType = "text/plain; version=0.0.4; charset=utf-8"
        }
        if head.method == .HEAD { body = [] }
        var headers = HTTPHeaders([("content-type", contentType), ("content-length", "\(body.count)")])
        if !head.isKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let keepAlive = head.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
