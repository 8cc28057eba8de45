import HTTP2Transport
import LifelongTestProto
import RPCCore
import Testing

/// Our client against a grpcio server, for the interop cases.
@Suite("our HTTP/2 client against a grpcio server")
struct OurClientInteropTests {
    typealias Service = Lifelong_Interop_V1_TestService
    typealias StreamingRequest = Lifelong_Interop_V1_StreamingOutputCallRequest

    /// One grpcio server for the whole suite; it exits when the test process does.
    static let peer = Task { try await PythonPeer.Server("interop_server.py") }

    static func client() async throws -> (Service.Client, RPCClient, HTTP2ClientTransport) {
        let server = try await peer.value
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: server.port)
        let rpc = RPCClient(transport: transport)
        return (Service.Client(wrapping: rpc), rpc, transport)
    }

    static func payload(_ size: Int) -> Lifelong_Interop_V1_Payload {
        var payload = Lifelong_Interop_V1_Payload()
        payload.body = [UInt8](repeating: 0, count: size)
        return payload
    }

    static func streamingRequest(sizes: [Int], payload: Int = 0, intervalUs: Int32 = 0) -> StreamingRequest {
        var request = StreamingRequest()
        request.responseParameters = sizes.map {
            var parameters = Lifelong_Interop_V1_ResponseParameters()
            parameters.size = Int32($0)
            parameters.intervalUs = intervalUs
            return parameters
        }
        if payload > 0 { request.payload = Self.payload(payload) }
        return request
    }

    @Test("empty_unary")
    func emptyUnary() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let response = try await client.emptyCall(Lifelong_Interop_V1_Empty())
        #expect(response == Lifelong_Interop_V1_Empty())
    }

    @Test("large_unary")
    func largeUnary() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        var request = Lifelong_Interop_V1_SimpleRequest()
        request.responseSize = 314159
        request.payload = Self.payload(271828)
        let response = try await client.unaryCall(request)
        #expect(response.payload?.body.count == 314159)
    }

    @Test("client_streaming")
    func clientStreaming() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let aggregated = try await Self.streamingInput(client, [27182, 8, 1828, 45904].map { ($0, nil) })
        #expect(aggregated == 74922)
    }

    /// StreamingInputCall with messages of these sizes (and `expect_compressed` when given):
    /// the aggregated size the server answers.
    static func streamingInput(
        _ client: Service.Client, _ messages: [(size: Int, expectCompressed: Bool?)], options: CallOptions = .defaults
    ) async throws -> Int32 {
        let response = try await client.streamingInputCall(options: options) { writer in
            for (size, expectCompressed) in messages {
                var message = Lifelong_Interop_V1_StreamingInputCallRequest()
                message.payload = Self.payload(size)
                message.expectCompressed = expectCompressed.map(Self.bool)
                try await writer.write(message)
            }
        }
        return response.aggregatedPayloadSize
    }

    @Test("server_streaming")
    func serverStreaming() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let sizes = [31415, 9, 2653, 58979]
        let received = try await client.streamingOutputCall(Self.streamingRequest(sizes: sizes)) { response in
            var sizes: [Int] = []
            for try await message in response.messages { sizes.append(message.payload?.body.count ?? 0) }
            return sizes
        }
        #expect(received == sizes)
    }

    @Test("ping_pong")
    func pingPong() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let pairs = [(31415, 27182), (9, 8), (2653, 1828), (58979, 45904)]
        // The producer sends request i+1 only after the handler saw response i.
        let (acks, ackSink) = AsyncStream<Void>.makeStream()
        let received = try await client.fullDuplexCall { writer in
            var acknowledgements = acks.makeAsyncIterator()
            for (responseSize, payloadSize) in pairs {
                try await writer.write(Self.streamingRequest(sizes: [responseSize], payload: payloadSize))
                guard await acknowledgements.next() != nil else { return }
            }
        } onResponse: { response in
            var sizes: [Int] = []
            for try await message in response.messages {
                sizes.append(message.payload?.body.count ?? 0)
                ackSink.yield()
            }
            ackSink.finish()
            return sizes
        }
        #expect(received == pairs.map(\.0))
    }

    @Test("empty_stream")
    func emptyStream() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let count = try await client.fullDuplexCall { _ in } onResponse: { response in
            var count = 0
            for try await _ in response.messages { count += 1 }
            return count
        }
        #expect(count == 0)
    }

    @Test("status_code_and_message", arguments: ["test status message", "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n"])
    func statusCodeAndMessage(message: String) async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        var status = Lifelong_Interop_V1_EchoStatus()
        status.code = 2
        status.message = message
        var request = Lifelong_Interop_V1_SimpleRequest()
        request.responseStatus = status
        let error = await #expect(throws: RPCError.self) { try await client.unaryCall(request) }
        #expect(error?.code == .unknown)
        #expect(error?.message == message)

        var streamingRequest = StreamingRequest()
        streamingRequest.responseStatus = status
        let streaming = streamingRequest
        let streamError = await #expect(throws: RPCError.self) {
            try await client.fullDuplexCall { try await $0.write(streaming) } onResponse: { response in
                for try await _ in response.messages {}
            }
        }
        #expect(streamError?.code == .unknown)
        #expect(streamError?.message == message)
    }

    @Test("custom_metadata")
    func customMetadata() async throws {
        let (_, rpc, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        var metadata = Metadata()
        metadata.addString("test_initial_metadata_value", forKey: "x-grpc-test-echo-initial")
        metadata.addBinary([0xAB, 0xAB, 0xAB], forKey: "x-grpc-test-echo-trailing-bin")
        var request = Lifelong_Interop_V1_SimpleRequest()
        request.responseSize = 314159
        request.payload = Self.payload(271828)
        let response: ClientResponse<Lifelong_Interop_V1_SimpleResponse> = try await rpc.unary(
            request: ClientRequest(message: request, metadata: metadata), method: Service.Method.UnaryCall.descriptor)
        #expect(response.metadata[stringValues: "x-grpc-test-echo-initial"] == ["test_initial_metadata_value"])
        #expect(response.trailingMetadata[binaryValues: "x-grpc-test-echo-trailing-bin"] == [[0xAB, 0xAB, 0xAB]])

        let (initial, trailing) = try await rpc.bidirectionalStreaming(
            request: StreamingClientRequest<StreamingRequest>(metadata: metadata) { writer in
                try await writer.write(Self.streamingRequest(sizes: [314159], payload: 271828))
            },
            method: Service.Method.FullDuplexCall.descriptor
        ) { (response: StreamingClientResponse<Lifelong_Interop_V1_StreamingOutputCallResponse>) in
            var trailers = Metadata()
            for try await part in response.bodyParts {
                if case .trailingMetadata(let metadata) = part { trailers = metadata }
            }
            return (response.metadata, trailers)
        }
        #expect(initial[stringValues: "x-grpc-test-echo-initial"] == ["test_initial_metadata_value"])
        #expect(trailing[binaryValues: "x-grpc-test-echo-trailing-bin"] == [[0xAB, 0xAB, 0xAB]])
    }

    // The compression cases. grpcio's servicer cannot see whether a request arrived compressed,
    // so the client_compressed cases run without their probe here (our server answers the probe:
    // GRPCioClientInteropTests, CompressionTests).

    /// large_unary's request: 314159 bytes back for 271828 sent.
    static func largeUnaryRequest() -> Lifelong_Interop_V1_SimpleRequest {
        var request = Lifelong_Interop_V1_SimpleRequest()
        request.responseSize = 314159
        request.payload = Self.payload(271828)
        return request
    }

    static func bool(_ value: Bool) -> Lifelong_Interop_V1_BoolValue {
        var bool = Lifelong_Interop_V1_BoolValue()
        bool.value = value
        return bool
    }

    /// large_unary with compression (true), then without: `prepare` sets the case's field and
    /// returns the call's options.
    static func largeUnaryBothWays(
        _ prepare: (inout Lifelong_Interop_V1_SimpleRequest, Bool) -> CallOptions
    ) async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        for compressed in [true, false] {
            var request = Self.largeUnaryRequest()
            let options = prepare(&request, compressed)
            let response = try await client.unaryCall(request, options: options)
            #expect(response.payload?.body == [UInt8](repeating: 0, count: 314159), "compressed: \(compressed)")
        }
    }

    @Test("client_compressed_unary")
    func clientCompressedUnary() async throws {
        try await Self.largeUnaryBothWays { request, compressed in
            request.expectCompressed = Self.bool(compressed)
            return CallOptions(compression: compressed ? .gzip : .identity)
        }
    }

    @Test("client_compressed_streaming")
    func clientCompressedStreaming() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let aggregated = try await Self.streamingInput(
            client, [(27182, true), (45904, false)], options: CallOptions(compression: .gzip))
        #expect(aggregated == 73086)
    }

    @Test("server_compressed_unary")
    func serverCompressedUnary() async throws {
        try await Self.largeUnaryBothWays { request, compressed in
            request.responseCompressed = Self.bool(compressed)
            return .defaults
        }
    }

    @Test("server_compressed_streaming")
    func serverCompressedStreaming() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        var request = StreamingRequest()
        request.responseParameters = [(true, 31415), (false, 92653)].map { compressed, size in
            var parameters = Lifelong_Interop_V1_ResponseParameters()
            parameters.compressed = Self.bool(compressed)
            parameters.size = Int32(size)
            return parameters
        }
        let bodies = try await client.streamingOutputCall(request) { response in
            var bodies: [[UInt8]] = []
            for try await message in response.messages { bodies.append(message.payload?.body ?? []) }
            return bodies
        }
        #expect(bodies == [[UInt8](repeating: 0, count: 31415), [UInt8](repeating: 0, count: 92653)])
    }

    @Test("unimplemented_method")
    func unimplementedMethod() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let error = await #expect(throws: RPCError.self) { try await client.unimplementedCall(Lifelong_Interop_V1_Empty()) }
        #expect(error?.code == .unimplemented)
    }

    @Test("unimplemented_service")
    func unimplementedService() async throws {
        let (_, rpc, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let other = Lifelong_Interop_V1_UnimplementedService.Client(wrapping: rpc)
        let error = await #expect(throws: RPCError.self) { try await other.unimplementedCall(Lifelong_Interop_V1_Empty()) }
        #expect(error?.code == .unimplemented)
    }

    @Test("cancel_after_begin")
    func cancelAfterBegin() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let (started, startedSink) = AsyncStream<Void>.makeStream()
        let call = Task {
            try await client.streamingInputCall { _ in
                startedSink.yield()
                try await Task.sleep(for: .seconds(60))
            }
        }
        for await _ in started { break }
        call.cancel()
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .cancelled)
    }

    @Test("cancel_after_first_response")
    func cancelAfterFirstResponse() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let (first, firstSink) = AsyncStream<Int>.makeStream()
        let call = Task {
            try await client.fullDuplexCall { writer in
                try await writer.write(Self.streamingRequest(sizes: [31415], payload: 27182))
                try await Task.sleep(for: .seconds(60))
            } onResponse: { response in
                for try await message in response.messages { firstSink.yield(message.payload?.body.count ?? 0) }
            }
        }
        var iterator = first.makeAsyncIterator()
        #expect(await iterator.next() == 31415)
        call.cancel()
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .cancelled)
    }

    @Test("timeout_on_sleeping_server")
    func timeoutOnSleepingServer() async throws {
        let (client, _, transport) = try await Self.client()
        defer { Task { await transport.close() } }
        let error = await #expect(throws: RPCError.self) {
            try await client.fullDuplexCall(options: CallOptions(timeout: .milliseconds(1))) { writer in
                try await writer.write(Self.streamingRequest(sizes: [1], payload: 27182, intervalUs: 10_000_000))
                try await Task.sleep(for: .seconds(60))
            } onResponse: { response in
                for try await _ in response.messages {}
            }
        }
        #expect(error?.code == .deadlineExceeded)
    }
}
