@testable import HTTP2Transport
import Logging
import NIOCore
import NIOEmbedded
import RPCCore
import Testing

/// The server's connection handler in an `EmbeddedChannel`, driven by a real nghttp2 client
/// session (and raw frames where a client would not send them); timers run on virtual time.
@Suite("server connection handler")
struct ServerConnectionHandlerTests {
    static let unary = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Unary")

    /// One unary route; the tests never end its request, so its handler never runs.
    static let router: RPCRouter = {
        var router = RPCRouter()
        router.register(method: unary, kind: .unary) { _, _ in StreamingServerResponse { _ in [:] } }
        return router
    }()

    struct Harness {
        let channel: EmbeddedChannel
        let client: EmbeddedHTTP2Client
        let logs: RecordingLogHandler.Store
    }

    /// A connected channel with the handler; the client has not said anything yet.
    static func harness(
        _ configure: (inout HTTP2ServerConfiguration) -> Void = { _ in }, observer: CountingObserver? = nil
    ) throws -> Harness {
        var configuration = HTTP2ServerConfiguration()
        configure(&configuration)
        let logs = RecordingLogHandler.Store()
        let handler = ServerConnectionHandler(
            router: router, configuration: configuration, logger: logs.logger(), observer: observer)
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_000)).wait()
        return Harness(channel: channel, client: EmbeddedHTTP2Client(channel: channel), logs: logs)
    }

    /// A harness past the preface (both SETTINGS exchanged).
    static func connected(
        _ configure: (inout HTTP2ServerConfiguration) -> Void = { _ in }, observer: CountingObserver? = nil
    ) throws -> Harness {
        let harness = try harness(configure, observer: observer)
        try harness.client.exchange()
        return harness
    }

    @Test("no client preface within prefaceTimeout: closed without GOAWAY")
    func prefaceTimeout() throws {
        let harness = try Self.harness { $0.prefaceTimeout = .seconds(2) }
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!harness.channel.isActive)
        // What the server wrote: its SETTINGS, no GOAWAY.
        try harness.client.receiveFromServer()
        #expect(harness.client.goAways.isEmpty)
        #expect(harness.logs.all.contains { $0.message == "timeout" && $0.metadata["h2.reason"] == "preface" })
    }

    @Test("a header block left open for headerTimeout: GOAWAY PROTOCOL_ERROR and close")
    func headerTimeout() throws {
        let harness = try Self.connected { $0.headerTimeout = .seconds(1) }
        // HEADERS on stream 1 without END_HEADERS, one HPACK byte (:method GET).
        try harness.client.writeRaw([0, 0, 1, 0x1, 0x0, 0, 0, 0, 1, 0x82])
        try harness.client.advanceTime(by: .milliseconds(999))
        #expect(harness.client.goAways.isEmpty)
        try harness.client.advanceTime(by: .milliseconds(1))
        #expect(harness.client.goAways.map(\.errorCode) == [HTTP2ErrorCode.protocolError.rawValue])
        #expect(!harness.channel.isActive)
    }

    @Test("graceful shutdown: GOAWAY(2^31-1) and PING, the final GOAWAY after the ack, then close")
    func gracefulShutdown() throws {
        let harness = try Self.connected()
        harness.channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.GracefulShutdownEvent())
        try harness.client.exchange()
        #expect(harness.client.goAways.map(\.lastStreamID) == [Int32.max, 0])
        #expect(harness.client.goAways.map(\.errorCode) == [0, 0])
        #expect(!harness.channel.isActive)
        let goAwayLogs = harness.logs.all.filter { $0.message == "GOAWAY sent" }
        #expect(goAwayLogs.map { $0.metadata["h2.last_stream_id"] } == ["\(Int32.max)", "0"])
        #expect(goAwayLogs.allSatisfy { $0.metadata["h2.error_code"] == "NO_ERROR" })
    }

    @Test("a connection idle for idleTimeout is shut down gracefully")
    func idleTimeout() throws {
        let harness = try Self.connected { $0.idleTimeout = .seconds(5) }
        try harness.client.advanceTime(by: .seconds(4))
        #expect(harness.client.goAways.isEmpty)
        try harness.client.advanceTime(by: .seconds(1))
        #expect(harness.client.goAways.map(\.lastStreamID) == [Int32.max, 0])
        #expect(!harness.channel.isActive)
    }

    @Test("a content-type that is not gRPC gets HTTP 415")
    func wrongContentType() throws {
        let harness = try Self.connected()
        let id = harness.client.request(path: Self.unary.path, contentType: "text/plain")
        try harness.client.exchange()
        let response = harness.client.response(id)
        #expect(response.header(":status") == "415")
        #expect(response.grpcStatus == "13")
        #expect(harness.channel.isActive)
    }

    @Test("an unknown path gets UNIMPLEMENTED (Trailers-Only)")
    func unknownPath() throws {
        let harness = try Self.connected()
        let unknownService = harness.client.request(path: "/lifelong.test.Missing/Call")
        let unknownMethod = harness.client.request(path: "/lifelong.test.Probe/Missing")
        try harness.client.exchange()
        #expect(harness.client.response(unknownService).header(":status") == "200")
        #expect(harness.client.response(unknownService).grpcStatus == "12")
        #expect(harness.client.response(unknownService).grpcMessage == "service lifelong.test.Missing is not implemented")
        #expect(harness.client.response(unknownMethod).grpcStatus == "12")
        #expect(harness.client.response(unknownMethod).grpcMessage == "method /lifelong.test.Probe/Missing is not implemented")
    }

    @Test("a call's deadline fires on the server: DEADLINE_EXCEEDED on the wire, the upload reset")
    func deadline() throws {
        let harness = try Self.connected()
        let id = harness.client.request(path: Self.unary.path, extra: [("grpc-timeout", "100m")], endStream: false)
        try harness.client.exchange()
        try harness.client.advanceTime(by: .milliseconds(99))
        #expect(harness.client.response(id).grpcStatus == nil)
        try harness.client.advanceTime(by: .milliseconds(1))
        let response = harness.client.response(id)
        #expect(response.grpcStatus == "4")
        #expect(response.closedWith == HTTP2ErrorCode.noError.rawValue)
        #expect(harness.channel.isActive)
    }

    @Test("when the grace period ends, an open call gets UNAVAILABLE on the wire, then the connection closes")
    func gracePeriodExpires() throws {
        let harness = try Self.connected()
        let id = harness.client.request(path: Self.unary.path, endStream: false)
        try harness.client.exchange()
        harness.channel.pipeline.fireUserInboundEventTriggered(
            ServerConnectionHandler.GracefulShutdownEvent(gracePeriod: .seconds(1)))
        try harness.client.exchange()
        // Both GOAWAYs went out; the call keeps the connection open.
        #expect(harness.client.goAways.map(\.lastStreamID) == [Int32.max, id])
        #expect(harness.channel.isActive)
        try harness.client.advanceTime(by: .seconds(1))
        let response = harness.client.response(id)
        #expect(response.grpcStatus == "14")
        #expect(response.grpcMessage == "the server is shutting down")
        #expect(!harness.channel.isActive)
    }

    @Test("too many PINGs: GOAWAY ENHANCE_YOUR_CALM too_many_pings, logged, then close")
    func pingFlood() throws {
        let harness = try Self.connected { $0.maxPingStrikes = 2 }
        for opaque in 1...2 { harness.client.ping(UInt64(opaque)) }
        try harness.client.exchange()
        #expect(harness.client.goAways.isEmpty)
        harness.client.ping(3)
        try harness.client.exchange()
        #expect(harness.client.goAways.map(\.errorCode) == [HTTP2ErrorCode.enhanceYourCalm.rawValue])
        #expect(!harness.channel.isActive)
        let logged = harness.logs.all.first { $0.message == "GOAWAY sent" }
        #expect(logged?.metadata["h2.error_code"] == "ENHANCE_YOUR_CALM")
        #expect(logged?.metadata["h2.reason"] == "too_many_pings")
        #expect(logged?.metadata["rpc.peer"] == "ipv4:127.0.0.1:50000")
    }

    @Test("a request still arriving after maxRequestReceiveTime: DEADLINE_EXCEEDED on the wire, counted")
    func requestReceiveTime() throws {
        let observer = CountingObserver()
        let harness = try Self.connected({ $0.maxRequestReceiveTime = .seconds(3) }, observer: observer)
        let open = harness.client.request(path: Self.unary.path, endStream: false)
        try harness.client.exchange()
        try harness.client.advanceTime(by: .seconds(1))
        let second = harness.client.request(path: Self.unary.path, endStream: false)
        try harness.client.exchange()
        try harness.client.advanceTime(by: .milliseconds(1999))
        #expect(harness.client.response(open).grpcStatus == nil)
        try harness.client.advanceTime(by: .milliseconds(1))
        let response = harness.client.response(open)
        #expect(response.grpcStatus == "4")
        #expect(response.grpcMessage?.contains("maxRequestReceiveTime") == true)
        #expect(harness.client.response(second).grpcStatus == nil)
        try harness.client.advanceTime(by: .seconds(1))
        #expect(harness.client.response(second).grpcStatus == "4")
        #expect(observer.counts.limits == [.requestReceiveTime, .requestReceiveTime])
        #expect(harness.channel.isActive)
    }

    @Test("at maxConnectionAge the connection is asked to go away; open calls get maxConnectionAgeGrace")
    func connectionAge() throws {
        let observer = CountingObserver()
        let harness = try Self.connected({
            $0.maxConnectionAge = .seconds(7)
            $0.maxConnectionAgeGrace = .seconds(2)
        }, observer: observer)
        let id = harness.client.request(path: Self.unary.path, endStream: false)
        try harness.client.exchange()
        try harness.client.advanceTime(by: .milliseconds(6999))
        #expect(harness.client.goAways.isEmpty)
        try harness.client.advanceTime(by: .milliseconds(1))
        #expect(harness.client.goAways.map(\.lastStreamID) == [Int32.max, id])
        #expect(observer.counts.limits == [.connectionAge])
        try harness.client.advanceTime(by: .milliseconds(1999))
        #expect(harness.client.response(id).grpcStatus == nil)
        try harness.client.advanceTime(by: .milliseconds(1))
        #expect(harness.client.response(id).grpcStatus == "14")
        #expect(!harness.channel.isActive)
    }

    @Test("keepalive: a PING every keepaliveInterval; unanswered for keepaliveTimeout, the connection is closed")
    func keepalive() throws {
        let observer = CountingObserver()
        let harness = try Self.connected({
            $0.keepaliveInterval = .seconds(4)
            $0.keepaliveTimeout = .seconds(1)
        }, observer: observer)
        // A client that answers (exchange acknowledges the PINGs) stays connected.
        for _ in 0..<5 { try harness.client.advanceTime(by: .seconds(4)) }
        #expect(harness.channel.isActive)
        // One that stops answering is closed 1 s after the next PING.
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(3999))
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        #expect(!harness.channel.isActive)
        #expect(observer.counts.limits == [.keepaliveTimeout])
    }

    @Test("a channel unwritable for writeStallTimeout is closed")
    func writeStall() throws {
        let harness = try Self.connected { $0.writeStallTimeout = .seconds(3) }
        harness.channel.isWritable = false
        harness.channel.pipeline.fireChannelWritabilityChanged()
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        harness.channel.isWritable = true
        harness.channel.pipeline.fireChannelWritabilityChanged()
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(harness.channel.isActive)
        harness.channel.isWritable = false
        harness.channel.pipeline.fireChannelWritabilityChanged()
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(3))
        #expect(!harness.channel.isActive)
    }

    @Test("the observer counts the bytes of every read and write batch")
    func observedBytes() throws {
        let observer = CountingObserver()
        let harness = try Self.connected(observer: observer)
        harness.client.request(path: "/lifelong.test.Missing/Call")
        harness.client.request(path: Self.unary.path, contentType: "text/plain")
        try harness.client.exchange()
        harness.channel.pipeline.fireUserInboundEventTriggered(ServerConnectionHandler.GracefulShutdownEvent())
        try harness.client.exchange()
        #expect(!harness.channel.isActive)
        #expect(observer.counts.received == harness.client.bytesToServer)
        #expect(observer.counts.sent == harness.client.bytesFromServer)
        #expect(observer.counts.sent > 0)
    }
}

@Suite("Connection handlers are freed when their connection closes")
struct HandlerReleaseTests {
    /// Runs `close` on a channel with a handler made by `make`, and says whether the handler
    /// outlived the channel.
    static func survives(
        _ make: () -> any ChannelHandler, _ exercise: (EmbeddedChannel) throws -> Void
    ) throws -> Bool {
        weak var weakHandler: AnyObject?
        try {
            let handler = make()
            weakHandler = handler as AnyObject
            let channel = EmbeddedChannel(handler: handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 50_001)).wait()
            try exercise(channel)
            _ = try? channel.finish()
        }()
        return weakHandler != nil
    }

    @Test("server handler: after a call, and after a close without one")
    func server() throws {
        let make = {
            ServerConnectionHandler(
                router: ServerConnectionHandlerTests.router, configuration: HTTP2ServerConfiguration(),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) as any ChannelHandler
        }
        #expect(try !Self.survives(make) { _ in })
        #expect(try !Self.survives(make) { channel in
            let client = EmbeddedHTTP2Client(channel: channel)
            try client.exchange()
        })
    }

    @Test("client handler")
    func client() throws {
        let make = {
            ClientConnectionHandler(
                configuration: HTTP2ClientConfiguration(),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })) {} as any ChannelHandler
        }
        #expect(try !Self.survives(make) { _ in })
    }
}
