import HTTP2Transport
import NIOPosix
import RPCCore
import Testing

/// `runsUnaryHandlersOnEventLoop`: unary handlers run as tasks on their connection's loop and
/// answer as usual; streaming handlers keep running on the global executor.
@Suite("unary handlers on the event loop")
struct UnaryOnEventLoopTests {
    typealias Bytes = UnaryFastPathTests.Bytes

    static let where_ = MethodDescriptor(fullyQualifiedService: "lifelong.test.Loop", method: "Where")

    @Test("with the option, a unary handler runs on an event loop; without it, it does not", arguments: [true, false])
    func placement(onLoop: Bool) async throws {
        var router = RPCRouter()
        router.registerUnary(Self.where_) { (request: Bytes, _) -> Bytes in
            // One byte more when the handler runs on an event loop thread.
            let onEventLoop = MultiThreadedEventLoopGroup.currentEventLoop != nil
            try await Task.sleep(for: .milliseconds(1))
            return Bytes(request.bytes + (onEventLoop ? [1] : []))
        }
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.runsUnaryHandlersOnEventLoop = onLoop
        let server = HTTP2Server(configuration: configuration, router: router)
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = RPCClient(transport: transport)
        for index in 0..<50 {
            let response: ClientResponse<Bytes> = try await client.unary(
                request: ClientRequest(message: Bytes([UInt8(index)])), method: Self.where_)
            #expect(response.message.bytes == [UInt8(index)] + (onLoop ? [1] : []))
        }
        await transport.close()
        await server.shutdown()
    }
}
