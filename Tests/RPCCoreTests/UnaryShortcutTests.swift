import RPCCore
import Testing

/// A transport that answers every unary call from a canned response stream, through `call`
/// only (so `RPCClient.unary` takes the default `ClientTransport.unary`).
private struct CannedTransport: ClientTransport {
    let messages: [[UInt8]]

    func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        let (parts, sink) = AsyncThrowingStream<ResponsePart<[UInt8]>, any Error>.makeStream()
        for message in messages { sink.yield(.message(message)) }
        sink.yield(.trailingMetadata(["x-trailer": .string("t")]))
        sink.finish()
        return try await handler(
            StreamingClientResponse(metadata: ["x-head": .string("h")], bodyParts: RPCAsyncSequence(wrapping: parts)))
    }
}

@Suite("unary shortcuts")
struct UnaryShortcutTests {
    @Test("registerUnary sets a unary handler that answers like the streaming one")
    func routerShortcut() async throws {
        let route = try #require(testRouter().route(forPath: echo.path))
        let unary = try #require(route.unaryHandler)
        let context = ServerContext(method: echo, peer: "test")
        #expect(try await unary([4, 5], context) == [4, 5])
        #expect(testRouter().route(forPath: metadataEcho.path)?.unaryHandler == nil)
    }

    @Test("the default unary of a transport collects one message with its metadata")
    func defaultUnary() async throws {
        let client = RPCClient(transport: CannedTransport(messages: [[7]]))
        let response: ClientResponse<RawBytes> = try await client.unary(
            request: ClientRequest(message: RawBytes([1])), method: echo)
        #expect(response.message == RawBytes([7]))
        #expect(response.metadata[stringValues: "x-head"] == ["h"])
        #expect(response.trailingMetadata[stringValues: "x-trailer"] == ["t"])
    }

    @Test("the default unary fails with INTERNAL for zero or two response messages", arguments: [0, 2])
    func defaultUnaryCount(count: Int) async throws {
        let client = RPCClient(transport: CannedTransport(messages: Array(repeating: [7], count: count)))
        let error = await #expect(throws: RPCError.self) {
            let _: ClientResponse<RawBytes> = try await client.unary(
                request: ClientRequest(message: RawBytes([1])), method: echo)
        }
        #expect(error?.code == .internalError)
    }
}
