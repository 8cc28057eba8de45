import HTTP2Transport
import LifelongProto
import LifelongTestProto
import RPCCore
import StandardServices
import Testing

@Suite("health and reflection")
struct StandardServicesTests {
    static func makeServer() throws -> (HTTP2Server, HealthService) {
        let (router, health) = try StandardServices.router(
            hosting: [InteropTestService()],
            descriptorSets: [LifelongDescriptorSet.base64, LifelongTestDescriptorSet.base64])
        return (HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), router: router), health)
    }

    @Test("grpcio-health-checking and grpcio-reflection clients pass")
    func pythonClients() async throws {
        let (server, _) = try Self.makeServer()
        let port = try await server.start()
        let result = try await PythonPeer.run(
            "health_reflection_client.py", arguments: ["127.0.0.1:\(port)", "lifelong.interop.v1.TestService"])
        await server.shutdown()
        let lines = result.output.split(separator: "\n").map(String.init)
        for check in ["health_check", "health_watch", "reflection_list_services", "reflection_describe"] {
            #expect(lines.contains("PASS \(check)"), "\(check): \(lines.first { $0.hasPrefix("FAIL \(check)") } ?? "no result")")
        }
        #expect(result.status == 0, "health_reflection_client.py exited \(result.status):\n\(result.output)")
    }

    @Test("Watch streams a status change over our client")
    func watchSeesChange() async throws {
        let (server, health) = try Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: transport))
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = "lifelong.interop.v1.TestService"
        let statuses = try await client.watch(request) { response in
            var seen: [HealthService.Status] = []
            for try await message in response.messages {
                seen.append(message.status)
                if seen.count == 1 { health.setStatus(.notServing, forService: "lifelong.interop.v1.TestService") }
                if seen.count == 2 { break }
            }
            return seen
        }
        #expect(statuses == [.serving, .notServing])
        await transport.close()
        await server.shutdown()
    }
}
