import Foundation
import LifelongProto
import ProcessTestSupport
import ServiceAuth
import ServiceHostTesting
import TLSTestSupport
import Testing

/// The system on TLS: every port serves TLS, every call between services verifies the
/// certificate against the CA given (`--service-ca`), the edge syncs verifying the gateway
/// (`--gateway-ca`), and so does the CLI (`--ca`); another CA and plaintext are refused.
@Suite("TLS between the services", .serialized)
struct GatewayTLSTests {
    @Test("a round over TLS on every hop; edge and CLI verify the gateway's certificate")
    func verified() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let scenario = try LoopScenario(job: "secure")
        try await LoopStack.with(job: "secure", edges: 1, certificates: certificates) { stack in
            // Gateway → KB (ingest), gateway → training → KB and task mining (the round).
            let gateway = stack.gateway
            _ = try await gateway.createJob(scenario.spec(threshold: 1))
            _ = try await Loop.ingest(scenario.initialTrain + scenario.initialTest, gateway: gateway)
            let job = try await Loop.waitForRounds(1, job: "secure", gateway: gateway)
            try await Loop.waitForVersion(job.deployedVersion, edge: stack.edge(0))

            let address = "127.0.0.1:\(stack.gatewayPort)"
            let lifelong = try ServiceProcess.executable(named: "lifelong").path
            let admin = TestServiceHost.tokens.tokenFile(.admin)
            let fleet = try await TestProcess.run(lifelong, ["fleet", "--gateway", address, "--ca", certificates.ca, "--token-file", admin])
            #expect(fleet.contains(LoopStack.edgeNode(1)), "\(fleet)")
            for refused in [["--ca", certificates.otherCA], []] {
                await #expect(throws: TestProcess.Failure.self, "refused with \(refused)") {
                    _ = try await TestProcess.run(lifelong, ["fleet", "--gateway", address, "--token-file", admin] + refused)
                }
            }
        }
    }
}
