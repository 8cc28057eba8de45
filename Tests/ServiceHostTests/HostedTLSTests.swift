import ArgumentParser
import HTTP2Transport
import LifelongProto
import RPCCore
import ServiceHost
import ServiceHostTesting
import TLSTestSupport
import Testing

@Suite("TLS on a hosted service's gRPC port")
struct HostedTLSTests {
    static func options(_ certificates: TestCertificates, key: String = "server.key") -> HostOptions {
        var options = TestServiceHost.options
        options.tlsCertificate = certificates.path("server.pem")
        options.tlsKey = certificates.path(key)
        return options
    }

    /// Health's Check for "" over TLS trusting `ca`.
    static func check(port: Int, ca: String) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        var configuration = HTTP2ClientConfiguration()
        configuration.tls = TLSClientSettings(trustRootsFile: ca)
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: transport))
        do {
            let status = try await health.check(Grpc_Health_V1_HealthCheckRequest(), options: CallOptions(timeout: .seconds(10))).status
            await transport.close()
            return status
        } catch {
            await transport.close()
            throw error
        }
    }

    @Test("--tls-certificate and --tls-key go together")
    func optionsGoTogether() throws {
        #expect(throws: (any Error).self) { try HostOptions.parse(["--tls-certificate", "/c.pem"]) }
        #expect(throws: (any Error).self) { try HostOptions.parse(["--tls-key", "/k.pem"]) }
        let both = try HostOptions.parse(["--tls-certificate", "/c.pem", "--tls-key", "/k.pem"])
        #expect(both.tls == TLSServerSettings(certificateChainFile: "/c.pem", privateKeyFile: "/k.pem"))
        #expect(try HostOptions.parse([]).tls == nil)
    }

    @Test("a host whose key file is missing refuses to start, naming the file")
    func missingKey() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let error = #expect(throws: TLSSetupError.self) {
            _ = try ServiceApplication(
                identity: TestServiceHost.identity, options: Self.options(certificates, key: "absent.key"),
                logger: HostLogging.silent, services: [ProbeServiceForTests()])
        }
        #expect(error?.code == .unreadableFile)
        #expect(error?.description.contains("absent.key") == true)
    }

    @Test("a TLS host serves health over TLS and rereads its certificate on reload")
    func servesAndReloads() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let application = try ServiceApplication(
            identity: TestServiceHost.identity, options: Self.options(certificates), logger: HostLogging.silent,
            services: [ProbeServiceForTests()])
        try await TestServiceHost.withRunning(application) { running in
            #expect(try await Self.check(port: running.port, ca: certificates.ca) == .serving)
            try certificates.replaceServerCertificate(with: "other")
            try running.application.reloadTLS()
            #expect(try await Self.check(port: running.port, ca: certificates.otherCA) == .serving)
        }
    }
}
