import Foundation
import HTTP2Transport
import LifelongProto
import RPCCore
import TLSTestSupport
import Testing

@Suite("lifelong-kb TLS reload")
struct TLSReloadSignalTests {
    /// Health's Check for "" over `transport`.
    static func check(_ transport: HTTP2ClientTransport) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: transport))
        return try await health.check(Grpc_Health_V1_HealthCheckRequest(), options: CallOptions(timeout: .seconds(10))).status
    }

    static func transport(port: Int, ca: String) -> HTTP2ClientTransport {
        var configuration = HTTP2ClientConfiguration()
        configuration.tls = TLSClientSettings(trustRootsFile: ca)
        configuration.initialBackoff = .milliseconds(10)
        configuration.maxBackoff = .milliseconds(10)
        return HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
    }

    @Test("SIGHUP rereads the certificate: new connections get the new one, the open one keeps working")
    func hangupReloadsCertificate() async throws {
        let (url, schema, configuration) = ProcessFaultTests.sharedDatabase()
        let inspector = ProcessFaultTests.inspector(configuration, schema: schema)
        defer { inspector.close() }
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = try await KnowledgeBaseProcess(
            postgresURL: url, schema: schema,
            extraArguments: ["--tls-certificate", certificates.path("server.pem"), "--tls-key", certificates.path("server.key")])
        let open = Self.transport(port: server.port, ca: certificates.ca)
        #expect(try await Self.check(open) == .serving)

        try certificates.replaceServerCertificate(with: "other")
        server.signal(SIGHUP)
        let renewed = Self.transport(port: server.port, ca: certificates.otherCA)
        #expect(try await ProcessFaultTests.eventually { (try? await Self.check(renewed)) == .serving })
        #expect(try await Self.check(open) == .serving)
        #expect(server.isRunning)

        await open.close()
        await renewed.close()
        await server.stop()
        await ProcessFaultTests.drop(schema, inspector)
    }
}
