import HTTP2Transport
import LifelongTestProto
import RPCCore
import Testing

@Suite("grpcio clients against our HTTP/2 server")
struct GRPCioClientInteropTests {
    static let cases = [
        "empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong", "empty_stream",
        "status_code_and_message", "special_status_message", "custom_metadata", "unimplemented_method",
        "unimplemented_service", "cancel_after_begin", "cancel_after_first_response", "timeout_on_sleeping_server",
        "client_compressed_unary", "client_compressed_streaming", "server_compressed_unary", "server_compressed_streaming",
    ]

    static func makeServer() -> HTTP2Server {
        let service = MetadataEchoingService(
            base: InteropTestService(),
            excluded: [Lifelong_Interop_V1_TestService.Method.UnimplementedCall.descriptor])
        return HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), services: [service])
    }

    @Test("every interop case passes")
    func interopCases() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let result = try await PythonPeer.run("interop_client.py", arguments: ["127.0.0.1:\(port)"])
        await server.shutdown()
        let lines = result.output.split(separator: "\n").map(String.init)
        for name in Self.cases {
            #expect(lines.contains("PASS \(name)"), "\(name): \(lines.first { $0.hasPrefix("FAIL \(name)") } ?? "no result")")
        }
        #expect(result.status == 0, "interop_client.py exited \(result.status):\n\(result.output)")
    }
}
