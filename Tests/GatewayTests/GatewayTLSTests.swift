import Foundation
import ProcessTestSupport
import ServiceAuth
import ServiceHostTesting
import TLSTestSupport
import Testing

/// The gateway on TLS: the edge syncs through it verifying its certificate against the CA it
/// is given, and so does the CLI; an unknown CA and a plaintext client are refused.
@Suite("Gateway over TLS", .serialized)
struct GatewayTLSTests {
    @Test("edge and CLI verify the gateway's certificate against the configured CA")
    func verified() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await LoopStack.with(
            job: "secure", edges: 1,
            gatewayArguments: ["--tls-certificate", certificates.path("server.pem"), "--tls-key", certificates.path("server.key")],
            edgeArguments: ["--gateway-ca", certificates.ca]
        ) { stack in
            let address = "127.0.0.1:\(stack.gatewayPort)"
            let lifelong = try ServiceProcess.executable(named: "lifelong").path
            let admin = TestServiceHost.tokens.tokenFile(.admin)
            // The edge registers over TLS; the CLI sees it, verifying the same certificate.
            let fleet = try await Eventually.value("the edge registered over TLS", timeout: .seconds(60)) { () -> String? in
                let output = try await TestProcess.run(lifelong, ["fleet", "--gateway", address, "--ca", certificates.ca, "--token-file", admin])
                return output.contains(LoopStack.edgeNode(1)) ? output : nil
            }
            #expect(fleet.contains(LoopStack.edgeNode(1)))

            for refused in [["--ca", certificates.otherCA], []] {
                await #expect(throws: TestProcess.Failure.self, "refused with \(refused)") {
                    _ = try await TestProcess.run(lifelong, ["fleet", "--gateway", address, "--token-file", admin] + refused)
                }
            }
        }
    }
}
