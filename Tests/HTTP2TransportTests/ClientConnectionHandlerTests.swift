@testable import HTTP2Transport
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// The client's connection handler (on the shared pump and timers) in an `EmbeddedChannel`,
/// answered with raw server frames, on virtual time.
@Suite("client connection handler")
struct ClientConnectionHandlerTests {
    /// Counts the handler's "this connection takes no more calls" reports.
    final class UnusableCount: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func increment() { count.withLock { $0 += 1 } }
    }

    struct Harness {
        let channel: EmbeddedChannel
        let unusable: UnusableCount
        let logs: RecordingLogHandler.Store
    }

    static let clientPreface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// A connected client handler that has received the server's (empty) SETTINGS.
    static func harness(_ configure: (inout HTTP2ClientConfiguration) -> Void = { _ in }) throws -> Harness {
        var configuration = HTTP2ClientConfiguration()
        configure(&configuration)
        let logs = RecordingLogHandler.Store()
        let unusable = UnusableCount()
        let handler = ClientConnectionHandler(configuration: configuration, logger: logs.logger()) {
            unusable.increment()
        }
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        try channel.writeInbound(channel.allocator.buffer(bytes: frame(type: 0x4, flags: 0, payload: [])))
        return Harness(channel: channel, unusable: unusable, logs: logs)
    }

    static func frame(type: UInt8, flags: UInt8, stream: UInt32 = 0, payload: [UInt8]) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF), type, flags]
            + withUnsafeBytes(of: stream.bigEndian) { Array($0) } + payload
    }

    /// The (type, flags, payload) of every frame the client wrote since the last call.
    static func written(_ channel: EmbeddedChannel) throws -> [(type: UInt8, flags: UInt8, payload: [UInt8])] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        if bytes.starts(with: clientPreface) { bytes.removeFirst(clientPreface.count) }
        var frames: [(UInt8, UInt8, [UInt8])] = []
        while bytes.count >= 9 {
            let length = Int(bytes[0]) << 16 | Int(bytes[1]) << 8 | Int(bytes[2])
            frames.append((bytes[3], bytes[4], Array(bytes[9..<(9 + length)])))
            bytes.removeFirst(9 + length)
        }
        return frames
    }

    @Test("the client sends its preface and SETTINGS (push disabled) through the shared pump")
    func preface() throws {
        let harness = try Self.harness()
        let frames = try Self.written(harness.channel)
        let settings = try #require(frames.first { $0.type == HTTP2FrameType.settings.rawValue && $0.flags == 0 })
        // ENABLE_PUSH (id 2) = 0 is among the entries.
        let entries = stride(from: 0, to: settings.payload.count, by: 6).map { Array(settings.payload[$0..<($0 + 6)]) }
        #expect(entries.contains([0, 2, 0, 0, 0, 0]))
        #expect(harness.unusable.value == 0)
    }

    @Test("a keepalive PING goes out every interval; one unanswered for keepaliveTimeout closes the connection")
    func keepalive() throws {
        let harness = try Self.harness {
            $0.keepaliveInterval = .seconds(1)
            $0.keepaliveTimeout = .seconds(2)
        }
        _ = try Self.written(harness.channel)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        let ping = try #require(try Self.written(harness.channel).first { $0.type == HTTP2FrameType.ping.rawValue })
        #expect(ping.flags == 0)
        // Answered: the connection stays, and the next PING follows one interval later.
        try harness.channel.writeInbound(
            harness.channel.allocator.buffer(bytes: Self.frame(type: 0x6, flags: 0x1, payload: ping.payload)))
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(try Self.written(harness.channel).contains { $0.type == HTTP2FrameType.ping.rawValue && $0.flags == 0 })
        #expect(harness.channel.isActive)
        // Not answered: closed after the timeout.
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(harness.channel.isActive)
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!harness.channel.isActive)
        #expect(harness.unusable.value == 1)
        #expect(harness.logs.all.contains { $0.message == "timeout" && $0.metadata["h2.reason"] == "keepalive" })
    }

    @Test("a GOAWAY from the server makes the connection unusable once, and is logged with its code")
    func goAway() throws {
        let harness = try Self.harness()
        // GOAWAY: last stream id 0, ENHANCE_YOUR_CALM.
        let payload: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0x0B]
        try harness.channel.writeInbound(harness.channel.allocator.buffer(bytes: Self.frame(type: 0x7, flags: 0, payload: payload)))
        #expect(harness.unusable.value == 1)
        let logged = try #require(harness.logs.all.first { $0.message == "GOAWAY received" })
        #expect(logged.level == .info)
        #expect(logged.metadata["h2.error_code"] == "ENHANCE_YOUR_CALM")
        #expect(logged.metadata["h2.last_stream_id"] == "0")
    }

    @Test("a frame over the size limit: GOAWAY FRAME_SIZE_ERROR, then the connection closes")
    func frameTooLarge() throws {
        let harness = try Self.harness()
        _ = try Self.written(harness.channel)
        try harness.channel.writeInbound(harness.channel.allocator.buffer(bytes: [UInt8](repeating: 0xFF, count: 32)))
        let goAway = try #require(try Self.written(harness.channel).first { $0.type == HTTP2FrameType.goAway.rawValue })
        #expect(Array(goAway.payload[4..<8]) == [0, 0, 0, UInt8(HTTP2ErrorCode.frameSizeError.rawValue)])
        #expect(!harness.channel.isActive)
        #expect(harness.unusable.value == 1)
    }
}
