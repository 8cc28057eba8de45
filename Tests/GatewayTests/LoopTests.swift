import Foundation
import LifelongProto
import PostgresTestSupport
import RPCCore
import Testing

/// The lifelong loop across processes: initial training → edges sync → inference streams
/// with new sites (part of it while the gateway is down) → unseen samples uploaded → labelled
/// → the trigger fires → only the new tasks are trained → edges hot-swap → the new sites'
/// accuracy rises and the old sites keep theirs.
@Suite("The loop", .serialized)
struct LoopTests {
    @Test("the loop learns the new sites and keeps the old ones, with edges answering throughout")
    func loop() async throws {
        let scenario = try LoopScenario(job: "loop")
        try await LoopStack.with(job: "loop") { stack in
            let gateway = stack.gateway
            _ = try await gateway.createJob(scenario.spec(threshold: 40))
            // The job's events up to round 1's deploy step, to say why if it published nothing.
            let roundOneEvents = Task {
                try await gateway.watchJob(GatewayJobTests.request("loop")) { events in
                    var messages: [String] = []
                    for try await event in events.messages {
                        if !event.message.hasPrefix("boosting round") { messages.append(event.message) }
                        if event.message.hasPrefix("round 1:"), event.message.contains("deployed") { break }
                    }
                    return messages
                }
            }
            defer { roundOneEvents.cancel() }

            // Round 1: the initial sites, ingested while the job is paused (so the count
            // trigger fires once, for all of it, when it resumes).
            _ = try await gateway.pauseJob(GatewayJobTests.request("loop"))
            let ingested = try await Loop.ingest(scenario.initialTrain + scenario.initialTest, gateway: gateway)
            #expect(ingested.inserted == Int64(scenario.initialTrain.count + scenario.initialTest.count))
            _ = try await gateway.resumeJob(GatewayJobTests.request("loop"))
            let first = try await Loop.waitForRounds(1, job: "loop", gateway: gateway)
            if first.deployedVersion == 0 {
                Issue.record("round 1 published nothing; the job's events: \(try await roundOneEvents.value.joined(separator: " | "))")
            }
            #expect(first.deployedVersion > 0)
            for edge in 0..<2 { try await Loop.waitForVersion(first.deployedVersion, edge: stack.edge(edge)) }

            // (Test rows flagged at an edge are uploaded like any others; the oracle below labels
            // only the stream's, so no test row is trained on.)
            let oldBefore = try await Loop.accuracy(scenario.initialTest, edge: stack.edge(0))

            // The new sites reach the edges, half of the stream while the gateway is down.
            let stream = scenario.newSiteStream
            let half = stream.count / 2
            _ = try await gateway.pauseJob(GatewayJobTests.request("loop"))
            await stack.kill("lifelong-gateway")
            let whileDown = try await Loop.infer(Array(stream[..<half]), edge: stack.edge(0))
            #expect(whileDown.predictions.count == half, "edge-1 answered every request while the gateway was down")
            let oldWhileDown = try await Loop.infer(scenario.initialTest, edge: stack.edge(1))
            #expect(oldWhileDown.predictions.count == scenario.initialTest.count)
            try await stack.restart("lifelong-gateway")
            let rest = try await Loop.infer(Array(stream[half...]), edge: stack.edge(1))
            #expect(rest.predictions.count == stream.count - half)
            let flagged = (whileDown.predictions + rest.predictions).filter(\.unseen).map(\.key)
            #expect(flagged.count >= stream.count * 9 / 10, "new sites are flagged unseen (\(flagged.count) of \(stream.count))")

            // Uploaded by the edges, labelled by the oracle (the scenario's labels), plus the
            // new sites' test rows as the next round's test set: the trigger fires again.
            let labels = Dictionary(uniqueKeysWithValues: stream.map { ($0.key, $0.label!) })
            let uploaded = try await Eventually.value("the edges' uploads of the new sites") { () -> [Lifelong_V1_Sample]? in
                let samples = try await Loop.unlabelled(job: "loop", gateway: stack.gateway).filter { labels[Loop.originalKey($0)] != nil }
                return samples.count >= flagged.count ? samples : nil
            }
            var request = Lifelong_V1_AttachLabelsRequest()
            request.jobId = "loop"
            request.labels = uploaded.map { sample in
                var label = Lifelong_V1_SampleLabel()
                label.key = sample.key
                label.label = labels[Loop.originalKey(sample)]!
                return label
            }
            let labelled = try await stack.gateway.labelSamples(request)
            #expect(labelled.updated == Int64(uploaded.count))
            _ = try await Loop.ingest(scenario.newSiteTest, gateway: stack.gateway)
            _ = try await stack.gateway.resumeJob(GatewayJobTests.request("loop"))
            let second = try await Loop.waitForRounds(2, job: "loop", gateway: stack.gateway)
            #expect(second.deployedVersion > first.deployedVersion)
            for edge in 0..<2 { try await Loop.waitForVersion(second.deployedVersion, edge: stack.edge(edge)) }

            let fleet = try await Eventually.value("the fleet reporting version \(second.deployedVersion)") { () -> [Lifelong_V1_FleetEntry]? in
                let edges = try await stack.gateway.listEdges(Lifelong_V1_ListEdgesRequest()).edges
                return edges.count == 2 && edges.allSatisfy({ $0.node?.snapshotVersion == second.deployedVersion }) ? edges : nil
            }
            #expect(fleet.map { $0.node?.name ?? "" } == [LoopStack.edgeNode(1), LoopStack.edgeNode(2)])
            #expect(fleet.allSatisfy { $0.latestVersion == second.deployedVersion && $0.jobId == "loop" && $0.samplesInferred > 0 })
            #expect(fleet.contains { $0.samplesUploaded > 0 && $0.samplesTransferRatio > 0 })
            let oldAfter = try await Loop.accuracy(scenario.initialTest, edge: stack.edge(0))
            #expect(oldAfter >= oldBefore - 0.005, "old sites: \(oldBefore) before, \(oldAfter) after")

            // The report: one column per round's test set; GEM BWT on the old sites.
            var query = Lifelong_V1_GetJobRequest()
            query.jobId = "loop"
            let report = try await stack.gateway.getReport(query)
            let method = try #require(report.methods.first)
            #expect(method.matrix?.rows.count == 3)
            #expect(method.matrix?.testSets == ["round-1", "round-2"])
            #expect(method.rowVersions == [0, first.deployedVersion, second.deployedVersion])
            #expect(method.bwt >= -0.005, "BWT \(method.bwt)")
            let matrix = method.matrix!.rows.map(\.accuracy)
            #expect(matrix[2][1] > matrix[1][1], "new sites: \(matrix[1][1]) before, \(matrix[2][1]) after")
            #expect(report.samplesInferred > 0)
        }
    }
}
