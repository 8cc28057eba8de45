import Edge
import HTTP2Transport
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

extension EdgeSuites {
    @Suite("kill -9 while buffering and uploading")
    struct CrashTests {
        let fixtures = EdgeFixtures.shared

        @Test("Killed 10 times: every acknowledged unseen sample reaches the cloud, stored once")
        func killNineTimesTen() async throws {
            let gateway = GatewayDouble()
            gateway.publish(fixtures.v1, version: 1)
            let inputs = EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<fixtures.newSites.rowCount)
            try await TestServiceHost.withRunning(services: [gateway]) { cloud async throws in
                try await TemporaryStore.with { path async throws in
                    let arguments = [
                        "--store", path, "--gateway-address", "127.0.0.1:\(cloud.port)", "--node-id", "crash",
                        "--job-id", EdgeFixtures.jobId, "--sync-interval", "0.05", "--upload-batch", "3", "--log-level", "error",
                        "--gateway-token-file", TestServiceHost.tokens.tokenFile(.service),
                    ] + TestServiceHost.authArguments
                    var acknowledged: Set<String> = []
                    for round in 0...10 {
                        let node = try await EdgeProcess(arguments)
                        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: node.port)
                        let client = Lifelong_V1_EdgeInference.Client(
                            wrapping: RPCClient(transport: transport.authenticated(with: TestServiceHost.token(.admin))))
                        if round == 0 {
                            var policy = Lifelong_V1_EgressPolicy()
                            policy.mode = .all
                            _ = try await client.setEgressPolicy(policy)
                        }
                        try await waitUntilAsync { (try? await client.getStatus(Lifelong_V1_GetStatusRequest()).snapshotVersion) == 1 }
                        if round < 10 {
                            for request in 0..<(3 + round % 4) {
                                var batch = Lifelong_V1_InferRequest()
                                batch.inputs = (0..<2).map { offset in
                                    var input = inputs[(round * 8 + request * 2 + offset) % inputs.count]
                                    input.key = "r\(round)-\(request)-\(offset)"
                                    return input
                                }
                                let response = try await client.infer(batch)
                                acknowledged.formUnion(response.predictions.filter(\.unseen).map { "crash/\($0.key)" })
                            }
                            await node.kill()
                        } else {
                            try await waitUntilAsync {
                                (try? await client.getStatus(Lifelong_V1_GetStatusRequest()).bufferedUnseen) == 0
                            }
                            await node.stop()
                        }
                        await transport.close()
                    }
                    let state = gateway.state.withLock { $0 }
                    #expect(acknowledged.count >= 50)
                    #expect(acknowledged.isSubset(of: Set(state.received.keys)))
                    #expect(Set(state.received.keys).isSubset(of: acknowledged))
                    #expect(state.received.count == Set(state.sentKeys).count)
                }
            }
        }
    }
}

/// Polls `condition` every 50 ms, for at most 20 s.
func waitUntilAsync(_ condition: @Sendable () async -> Bool) async throws {
    for _ in 0..<400 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within 20 s")
}
