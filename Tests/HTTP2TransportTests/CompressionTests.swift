@testable import HTTP2Transport
import MessageCompression
import RPCCore
import Testing

/// gRPC message compression: the zlib wrappers (round trips, the bounded inflate refusing a
/// bomb early, corrupt data), the server's checks on the wire, and our client with our server
/// compressing both ways over sockets.
@Suite("message compression")
struct CompressionTests {
    static let algorithms: [CompressionAlgorithm] = [.gzip, .deflate]

    // MARK: zlib wrappers

    @Test("gzip and deflate round-trip messages of any size, in the formats peers expect", arguments: algorithms)
    func roundTrip(algorithm: CompressionAlgorithm) throws {
        let compressor = try MessageCompressor(algorithm)
        let decompressor = try MessageDecompressor(algorithm, stepBytes: 1000)
        let text = Array("the same words again and again, ".utf8)
        let messages: [[UInt8]] = [
            [], [42], (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) },
            Array((0..<5_000).map { _ in text }.joined()),
        ]
        for message in messages {
            let compressed = try compressor.compress(message)
            // gzip starts with its magic 1f 8b; deflate (zlib format) with 78 (32 KiB window, deflate).
            #expect(Array(compressed.prefix(2)) == (algorithm == .gzip ? [0x1F, 0x8B] : [0x78, 0x9C]))
            #expect(try decompressor.decompress(compressed, limit: message.count) == message)
        }
        let repetitive = Array((0..<5_000).map { _ in text }.joined())
        #expect(try compressor.compress(repetitive).count < repetitive.count / 20)
    }

    @Test("a compression bomb is refused while inflating: never more than limit + 1 bytes", arguments: algorithms)
    func bomb(algorithm: CompressionAlgorithm) throws {
        let limit = 1 << 20
        // 64 MiB of zeros compress to ~64 KiB.
        let bomb = try MessageCompressor(algorithm).compress([UInt8](repeating: 0, count: 64 << 20))
        #expect(bomb.count < 128 << 10)
        let decompressor = try MessageDecompressor(algorithm, stepBytes: 64 << 10)
        let error = #expect(throws: RPCError.self) { try decompressor.decompress(bomb, limit: limit) }
        #expect(error?.code == .resourceExhausted)
        #expect(decompressor.lastOutputBytes == limit + 1)
        // It stopped early: most of the compressed input was never read.
        #expect(decompressor.lastInputBytes < bomb.count / 8)
        // The same decompressor then takes a message exactly at the limit.
        let atLimit = [UInt8](repeating: 7, count: limit)
        #expect(try decompressor.decompress(try MessageCompressor(algorithm).compress(atLimit), limit: limit) == atLimit)
    }

    @Test("corrupt, truncated or padded compressed data fails with INTERNAL", arguments: algorithms)
    func corrupt(algorithm: CompressionAlgorithm) throws {
        let message = Array((0..<20_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let compressed = try MessageCompressor(algorithm).compress(message)
        let decompressor = try MessageDecompressor(algorithm)
        var flipped = compressed
        for index in stride(from: 12, to: flipped.count - 8, by: 7) { flipped[index] ^= 0x5A }
        let cases: [(String, [UInt8])] = [
            ("flipped", flipped), ("truncated", Array(compressed.dropLast(20))), ("padded", compressed + [1, 2, 3]),
            ("not compressed", Array("plain text, no header".utf8)), ("empty", []),
        ]
        for (name, bytes) in cases {
            let error = #expect(throws: RPCError.self, "\(name)") { try decompressor.decompress(bytes, limit: 1 << 20) }
            #expect(error?.code == .internalError, "\(name): \(String(describing: error))")
        }
        #expect(try decompressor.decompress(compressed, limit: 1 << 20) == message)
    }

    @Test("grpc-accept-encoding lists are read leniently")
    func acceptEncoding() {
        #expect(CompressionAlgorithm.accepted(by: "identity, deflate, gzip") == [.identity, .deflate, .gzip])
        #expect(CompressionAlgorithm.accepted(by: "br,gzip") == [.identity, .gzip])
        #expect(CompressionAlgorithm.accepted(by: "") == [.identity])
    }

    // MARK: The server on the wire

    @Test("an unknown grpc-encoding is UNIMPLEMENTED naming it, with grpc-accept-encoding; a compressed flag without one is INTERNAL")
    func serverChecks() throws {
        let harness = try ServerConnectionHandlerTests.connected()
        let unknown = harness.client.request(path: "/lifelong.test.Probe/Unary", extra: [("grpc-encoding", "br")])
        let unannounced = harness.client.request(path: "/lifelong.test.Probe/Unary", body: [1, 0, 0, 0, 1, 0xAA])
        try harness.client.exchange()
        let refused = harness.client.response(unknown)
        #expect(refused.grpcStatus == "12")
        #expect(refused.grpcMessage?.contains("'br'") == true)
        let accepted = CompressionAlgorithm.accepted(by: refused.header("grpc-accept-encoding") ?? "")
        #expect(accepted == [.identity, .gzip, .deflate])
        #expect(harness.client.response(unannounced).grpcStatus == "13")
    }

    // MARK: Our client and our server

    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Compression", method: "Echo")
    static let collect = MethodDescriptor(fullyQualifiedService: "lifelong.test.Compression", method: "Collect")

    /// Echo (unary): answers its request, with how it arrived in the response headers.
    /// Collect (client streaming): answers one byte per request message, 1 when it arrived compressed.
    static func makeServer(
        _ configure: (inout HTTP2ServerConfiguration) -> Void = { _ in }, observer: CountingObserver? = nil
    ) -> HTTP2Server {
        var router = RPCRouter()
        router.register(method: echo, kind: .unary) { request, context in
            var messages: [[UInt8]] = []
            for try await message in request.messages { messages.append(message) }
            let echoed = messages.first ?? []
            let metadata: Metadata = [
                "x-request-encoding": .string(context.compression.requestEncoding.name),
                "x-request-compressed": .string(String(context.compression.lastRequestMessageWasCompressed)),
            ]
            return StreamingServerResponse(metadata: metadata) { writer in
                try await writer.write(echoed)
                return [:]
            }
        }
        router.register(method: collect, kind: .clientStreaming) { request, context in
            var flags: [UInt8] = []
            for try await _ in request.messages { flags.append(context.compression.lastRequestMessageWasCompressed ? 1 : 0) }
            let seen = flags
            return StreamingServerResponse { writer in
                try await writer.write(seen)
                return [:]
            }
        }
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        return HTTP2Server(configuration: configuration, router: router, observer: observer)
    }

    @Test("our client and our server compress requests and responses", arguments: algorithms)
    func bothWays(algorithm: CompressionAlgorithm) async throws {
        let observer = CountingObserver()
        let server = Self.makeServer({ $0.responseCompression = algorithm }, observer: observer)
        let port = try await server.start()
        var configuration = HTTP2ClientConfiguration()
        configuration.requestCompression = algorithm
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)

        // 1 MiB of zeros each way; compressed, far less crosses the socket.
        let message = [UInt8](repeating: 0, count: 1 << 20)
        let response = try await transport.unary(
            request: ClientRequest(message: message), method: Self.echo, options: .defaults)
        #expect(response.message == message)
        #expect(response.metadata[stringValues: "x-request-encoding"] == [algorithm.name])
        #expect(response.metadata[stringValues: "x-request-compressed"] == ["true"])
        let counts = observer.counts
        #expect(counts.received < 64 << 10)
        #expect(counts.sent < 64 << 10)

        // Per call: identity overrides the client's default; the server still compresses.
        let plain = try await transport.unary(
            request: ClientRequest(message: [1, 2, 3]), method: Self.echo, options: CallOptions(compression: .identity))
        #expect(plain.message == [1, 2, 3])
        #expect(plain.metadata[stringValues: "x-request-encoding"] == ["identity"])
        #expect(plain.metadata[stringValues: "x-request-compressed"] == ["false"])

        // A stream: a message too small to gain from compression goes uncompressed, per message.
        let flags: [[UInt8]] = try await transport.call(
            request: StreamingClientRequest { writer in
                try await writer.write(message)
                try await writer.write([9])
                try await writer.write(message)
            },
            method: Self.collect, options: .defaults
        ) { response in
            var messages: [[UInt8]] = []
            for try await message in response.messages { messages.append(message) }
            return messages
        }
        #expect(flags == [[1, 0, 1]])
        await transport.close()
        await server.shutdown()
    }

    @Test("a bomb sent to the server and one sent to the client fail with RESOURCE_EXHAUSTED")
    func bombsOverSockets() async throws {
        let server = Self.makeServer {
            $0.maxReceiveMessageBytes = 1 << 20
            $0.maxSendMessageBytes = 32 << 20
            $0.responseCompression = .gzip
        }
        let port = try await server.start()
        var configuration = HTTP2ClientConfiguration()
        configuration.maxSendMessageBytes = 32 << 20
        configuration.requestCompression = .gzip
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
        let bomb = [UInt8](repeating: 0, count: 16 << 20)

        let toServer = await #expect(throws: RPCError.self) {
            try await transport.unary(request: ClientRequest(message: bomb), method: Self.echo, options: .defaults)
        }
        #expect(toServer?.code == .resourceExhausted)

        // The server echoes 1 MiB, compressed; the client accepts half of that.
        let toClient = await #expect(throws: RPCError.self) {
            try await transport.unary(
                request: ClientRequest(message: [UInt8](repeating: 0, count: 1 << 20)), method: Self.echo,
                options: CallOptions(maxResponseMessageBytes: 512 << 10))
        }
        #expect(toClient?.code == .resourceExhausted)
        await transport.close()
        await server.shutdown()
    }
}
