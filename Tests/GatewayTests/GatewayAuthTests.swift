import LifelongProto
import RPCCore
import ServiceAuth
import ServiceHostTesting
import Testing

/// Bearer tokens at the gateway: missing and bad tokens, scopes, and edge tokens bound to
/// their node.
@Suite("Gateway auth", .serialized)
struct GatewayAuthTests {
    @Test("missing and bad tokens are UNAUTHENTICATED; readers read; edges act only for themselves")
    func tokens() async throws {
        let scenario = try LoopScenario(job: "guarded")
        try await LoopStack.with(job: "guarded", edges: 0) { stack in
            func client(_ token: BearerToken?) -> Lifelong_V1_Gateway.Client {
                Lifelong_V1_Gateway.Client(wrapping: RPCClient(transport: stack.transport(port: stack.gatewayPort, token: token)))
            }
            let admin = client(TestServiceHost.token(.admin))
            _ = try await admin.createJob(scenario.spec(threshold: 1_000))
            let request = GatewayJobTests.request("guarded")

            await GatewayJobTests.expectStatus(.unauthenticated, naming: "bearer") { _ = try await client(nil).getJob(request) }
            await GatewayJobTests.expectStatus(.unauthenticated, naming: "token") {
                _ = try await client(BearerToken("not-a-token-of-this-deployment")).getJob(request)
            }

            let reader = client(TestServiceHost.token(.reader))
            #expect(try await reader.getJob(request).id == "guarded", "a reader reads")
            await GatewayJobTests.expectStatus(.permissionDenied, naming: "CreateJob") {
                var spec = scenario.spec(threshold: 1)
                spec.name = "other"
                _ = try await reader.createJob(spec)
            }
            await GatewayJobTests.expectStatus(.permissionDenied, naming: "TriggerTraining") { _ = try await reader.triggerTraining(request) }

            let nodeA = LoopStack.edgeNode(1), nodeB = LoopStack.edgeNode(2)
            let edge = client(TestServiceHost.token(.edge, node: nodeA))
            var beat = Lifelong_V1_EdgeHeartbeat()
            beat.node = nodeA
            beat.jobId = "guarded"
            _ = try await edge.heartbeat(beat)
            beat.node = nodeB
            await GatewayJobTests.expectStatus(.permissionDenied, naming: nodeB) { _ = try await edge.heartbeat(beat) }
            var pull = Lifelong_V1_PullSnapshotRequest()
            pull.jobId = "guarded"
            pull.node = nodeB
            await GatewayJobTests.expectStatus(.permissionDenied, naming: nodeB) {
                try await edge.pullSnapshot(pull) { parts in for try await _ in parts.messages {} }
            }
            var foreign = scenario.newSiteStream[0]
            foreign.edgeNode = nodeB
            let unseen = foreign
            await GatewayJobTests.expectStatus(.permissionDenied, naming: "edge_node") {
                _ = try await edge.uploadUnseen { writer in
                    var batch = Lifelong_V1_SampleBatch()
                    batch.samples = [unseen]
                    try await writer.write(batch)
                }
            }
            await GatewayJobTests.expectStatus(.permissionDenied, naming: "GetReport") { _ = try await edge.getReport(request) }
            let fleet = try await admin.listEdges(Lifelong_V1_ListEdgesRequest())
            #expect(fleet.edges.map { $0.node?.name ?? "" } == [nodeA], "only the node's own heartbeat was stored")
        }
    }
}
