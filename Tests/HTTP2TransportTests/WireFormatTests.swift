@testable import HTTP2Transport
import RPCCore
import Testing

@Suite("gRPC wire details")
struct WireFormatTests {
    @Test("grpc-timeout parses every unit", arguments: [
        ("1H", Duration.seconds(3600)), ("2M", .seconds(120)), ("3S", .seconds(3)), ("4m", .milliseconds(4)),
        ("5u", .microseconds(5)), ("6n", .nanoseconds(6)), ("99999999S", .seconds(99_999_999)),
    ])
    func timeoutUnits(text: String, expected: Duration) {
        #expect(GRPCTimeout.parse(text) == expected)
    }

    @Test("malformed grpc-timeout values are rejected", arguments: ["", "S", "12", "12x", "-1S", "123456789S", "1.5S", " 1S"])
    func malformedTimeouts(text: String) {
        #expect(GRPCTimeout.parse(text) == nil)
    }

    @Test("grpc-timeout encoding round-trips without shortening the deadline", arguments: [
        Duration.nanoseconds(1), .microseconds(1500), .milliseconds(1), .seconds(30), .seconds(86_400 * 400),
    ])
    func timeoutRoundTrip(duration: Duration) throws {
        let encoded = GRPCTimeout.encode(duration)
        #expect(encoded.utf8.count <= 9)
        let decoded = try #require(GRPCTimeout.parse(encoded))
        #expect(decoded >= duration)
    }

    @Test("grpc-message percent-encoding round-trips")
    func statusMessage() {
        let message = "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n 100%"
        let encoded = GRPCStatusMessage.encode(message)
        #expect(encoded.utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(encoded.contains("%25"))
        #expect(GRPCStatusMessage.decode(encoded) == message)
        #expect(GRPCStatusMessage.decode("bad %zz escape %") == "bad %zz escape %")
    }

    @Test("-bin metadata decodes padded and unpadded base64")
    func binaryMetadata() {
        let metadata = MetadataHeaders.metadata([
            ("x-a-bin", "q6ur"), ("x-b-bin", "AQ=="), ("x-b-bin", "AQ"), ("x-c", "text"), (":path", "/x/y"),
            ("content-type", "application/grpc"), ("x-d-bin", "AQ==, Ag"),
        ])
        #expect(metadata[binaryValues: "x-a-bin"] == [[0xAB, 0xAB, 0xAB]])
        #expect(metadata[binaryValues: "x-b-bin"] == [[1], [1]])
        #expect(metadata[binaryValues: "x-d-bin"] == [[1], [2]])
        #expect(metadata[stringValues: "x-c"] == ["text"])
        #expect(metadata.count == 6)
        #expect(Base64.encode([0xAB, 0xAB, 0xAB, 1]) == "q6urAQ==")
    }

    @Test("the deframer checks the length prefix before buffering")
    func deframer() throws {
        var deframer = GRPCMessageDeframer(maxMessageBytes: 10)
        let bytes: [UInt8] = [0, 0, 0, 0, 2, 7, 8, 0, 0, 0]
        let first = try bytes.withUnsafeBytes { try deframer.append($0) }
        #expect(first == [[7, 8]])
        #expect(deframer.hasPartialMessage)
        let rest: [UInt8] = [0, 0]
        let second = try rest.withUnsafeBytes { try deframer.append($0) }
        #expect(second == [[]])
        #expect(!deframer.hasPartialMessage)
        let huge: [UInt8] = [0, 0xFF, 0xFF, 0xFF, 0xFF]
        let error = #expect(throws: RPCError.self) { try huge.withUnsafeBytes { try deframer.append($0) } }
        #expect(error?.code == .resourceExhausted)
    }
}
