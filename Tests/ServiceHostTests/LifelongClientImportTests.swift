import LifelongClient
import Testing

/// `import LifelongClient` alone is enough to call a service: stubs, messages, transport.
@Suite("LifelongClient product")
struct LifelongClientImportTests {
    @Test("stubs, messages, the HTTP/2 transport and the bearer token all come from LifelongClient; with no server the call fails UNAVAILABLE")
    func callsThroughTheProduct() async throws {
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: 1)
        let token = try BearerToken("not-a-real-token")
        let kb = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport.authenticated(with: token)))
        var request = Lifelong_V1_ListVersionsRequest()
        request.jobId = "nobody-listens-on-port-1"
        let error = await #expect(throws: RPCError.self) {
            _ = try await kb.listVersions(request, options: CallOptions(timeout: .seconds(5)))
        }
        #expect(error?.code == .unavailable)
        await transport.close()
    }
}
