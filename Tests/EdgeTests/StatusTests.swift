import Edge
import LifelongProto
import ServiceHost
import Testing

extension EdgeSuites {
    @Suite("Status and metrics")
    struct StatusTests {
        let fixtures = EdgeFixtures.shared

        @Test("GetStatus and the lifelong_edge_* series report version, buffer, counts, per-task requests and the transfer ratio")
        func statusAndMetrics() async throws {
            var request = Lifelong_V1_InferRequest()
            request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<12) + EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<3)
            try await EdgeHarness.withServing(fixtures.v1, version: 3) { node async throws in
                let metrics = HostMetrics()
                EdgeMetrics(edge: node.edge, metrics: metrics).register()
                let answered = try await node.inference.infer(request)
                let unseen = answered.predictions.filter { $0.unseen }.count
                var known = request
                known.inputs = Array(request.inputs.prefix(4))
                _ = try await node.inference.infer(known)
                let status = try await node.inference.getStatus(Lifelong_V1_GetStatusRequest())
                #expect(status.snapshotVersion == 3 && status.node?.name == "edge-test")
                #expect(status.samplesInferred == 19)
                #expect(status.bufferedUnseen == Int64(unseen))
                #expect(status.queuedUploads == 0, "DENY: nothing is queued to leave")
                #expect(status.node?.egress?.mode == .unspecified)
                let text = String(decoding: metrics.render(), as: UTF8.self)
                #expect(text.contains("lifelong_edge_snapshot_version 3"))
                #expect(text.contains("lifelong_edge_samples_inferred_total 19"))
                #expect(text.contains("lifelong_edge_buffered_unseen \(unseen)"))
                #expect(text.contains("lifelong_edge_samples_transfer_ratio 0"))
                let firstTask = try #require(answered.predictions.first?.taskName)
                #expect(text.contains("lifelong_edge_task_requests_total{task=\"\(firstTask)\"}"))
                node.edge.engine.flushInferred()
                #expect(try node.edge.store.counters()[.samplesInferred] == 19)
            }
        }

        @Test("A full buffer is reported, never silent: reject-new and drop-oldest counted in GetStatus", arguments: BufferQuota.Behavior.allCases)
        func quotaFull(_ behavior: BufferQuota.Behavior) async throws {
            var configuration = EdgeHarness.configuration()
            configuration.quota = BufferQuota(maximumBytes: 1 << 20, maximumSamples: 3, behavior: behavior)
            var request = Lifelong_V1_InferRequest()
            request.inputs = EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<5)
            try await EdgeHarness.withServing(fixtures.v1, configuration: configuration) { node async throws in
                let answered = try await node.inference.infer(request)
                #expect(answered.predictions.allSatisfy { $0.unseen }, "still answered and flagged")
                let status = try await node.inference.getStatus(Lifelong_V1_GetStatusRequest())
                #expect(status.bufferedUnseen == 3)
                switch behavior {
                case .rejectNew: #expect(status.bufferRejected == 2 && status.bufferDropped == 0)
                case .dropOldest: #expect(status.bufferDropped == 2 && status.bufferRejected == 0)
                }
            }
        }
    }
}
