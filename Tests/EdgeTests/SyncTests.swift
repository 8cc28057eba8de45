import Edge
import Foundation
import LifelongCore
import LifelongProto
import RPCCore
import Testing

extension EdgeSuites {
    @Suite("Sync with a gateway double: snapshots down, unseen samples up")
    struct SyncTests {
        let fixtures = EdgeFixtures.shared

        @Test("Pulls a snapshot, then only the models it lacks; verifies and swaps")
        func pullsSnapshots() async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                let first = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(first.error == "")
                #expect(first.snapshotVersion == 1)
                #expect(Set(gateway.state.withLock(\.modelsSent)) == Set(fixtures.v1.models.keys))
                gateway.publish(fixtures.v2, version: 2)
                let second = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(second.snapshotVersion == 2)
                let sentAgain = gateway.state.withLock(\.modelsSent).dropFirst(fixtures.v1.models.count)
                let missing = Set(fixtures.v2.models.keys).subtracting(fixtures.v1.models.keys)
                #expect(Set(sentAgain) == missing)
                #expect(missing.count < fixtures.v2.models.count, "untouched tasks keep their models")
                #expect(try node.edge.store.snapshot(.previous)?.version == 1)
                #expect(gateway.state.withLock(\.registered) == ["edge-test"])
                let status = try await node.inference.getStatus(Lifelong_V1_GetStatusRequest())
                #expect(status.snapshotVersion == 2 && status.cloudReachable && status.lastSyncUs > 0)
            }
        }

        @Test("RollbackSnapshot serves the previous snapshot; the version rolled back from is not pulled again, a newer one is")
        func rollback() async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                let nothing = await #expect(throws: RPCError.self) { try await node.inference.rollbackSnapshot(Lifelong_V1_EdgeRollbackRequest()) }
                #expect(nothing?.code == .failedPrecondition)
                gateway.publish(fixtures.v1, version: 1)
                _ = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                let onlyOne = await #expect(throws: RPCError.self) { try await node.inference.rollbackSnapshot(Lifelong_V1_EdgeRollbackRequest()) }
                #expect(onlyOne?.message.contains("no previous snapshot") == true)
                gateway.publish(fixtures.v2, version: 2)
                _ = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                var stale = Lifelong_V1_EdgeRollbackRequest()
                stale.fromVersion = 1
                let wrong = await #expect(throws: RPCError.self) { try await node.inference.rollbackSnapshot(stale) }
                #expect(wrong?.code == .failedPrecondition && wrong?.message.hasPrefix("from_version") == true)

                var request = Lifelong_V1_EdgeRollbackRequest()
                request.fromVersion = 2
                let status = try await node.inference.rollbackSnapshot(request)
                #expect(status.snapshotVersion == 1 && status.refusedVersion == 2)
                #expect(try node.edge.store.snapshot(.current)?.version == 1)
                #expect(try node.edge.store.snapshot(.previous)?.version == 2)
                var infer = Lifelong_V1_InferRequest()
                infer.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<4)
                let answered = try await node.inference.infer(infer).predictions
                let expected = try fixtures.known.table.features(ofRow: 0)
                #expect(answered.allSatisfy { $0.snapshotVersion == 1 })
                #expect(answered[0].probabilities.map(Float.init)
                    == (try fixtures.v1.predict(features: expected, attributes: fixtures.known.attributes[0])).probabilities)

                let again = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(again.error == "" && again.snapshotVersion == 1, "the refused version is not pulled again")
                gateway.publish(fixtures.v2, version: 3)
                let newer = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(newer.snapshotVersion == 3, "a newer version is pulled as usual")
            }
        }

        @Test("The cloud dies mid-download: the old snapshot keeps serving; the next sync resumes from the stored models")
        func cloudDiesMidSync() async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                _ = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                gateway.publish(fixtures.v2, version: 2)
                gateway.state.withLock { $0.cutAfterModels = 1 }
                let cut = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(cut.error.contains("the cloud went away"))
                #expect(cut.snapshotVersion == 1)
                #expect(try node.edge.store.modelDigests().count == fixtures.v1.models.count + 1, "the whole model received is kept")
                var request = Lifelong_V1_InferRequest()
                request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<4)
                #expect(try await node.inference.infer(request).predictions.allSatisfy { $0.snapshotVersion == 1 })
                #expect(try await node.inference.getStatus(Lifelong_V1_GetStatusRequest()).cloudReachable == false)
                gateway.state.withLock { $0.cutAfterModels = nil }
                let sentBefore = gateway.state.withLock(\.modelsSent)
                let resumed = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(resumed.snapshotVersion == 2)
                let missing = Set(fixtures.v2.models.keys).subtracting(fixtures.v1.models.keys)
                let resent = gateway.state.withLock(\.modelsSent).dropFirst(sentBefore.count)
                #expect(resent.count == missing.count - 1, "the model stored before the cut is not sent again")
            }
        }

        @Test("A model whose bytes do not hash to its address is refused; nothing changes")
        func corruptModel() async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                gateway.state.withLock { $0.corrupt = Set(fixtures.v1.models.keys.prefix(1)) }
                let reply = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(reply.snapshotVersion == 0)
                #expect(reply.error.contains("hash to"))
                #expect(node.edge.slot.current == nil)
            }
        }

        @Test("A snapshot of another job is refused")
        func otherJob() async throws {
            var configuration = EdgeHarness.configuration()
            configuration.jobId = "another-job"
            try await SyncHarness.withGateway(configuration: configuration) { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                let reply = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(reply.error.contains("this node serves 'another-job'"))
                #expect(node.edge.slot.current == nil)
            }
        }

        @Test("A new version announced by WatchSnapshots is pulled without waiting for the periodic sync")
        func watch() async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                let service = EdgeSyncService(sync: try #require(node.edge.sync), intervalSeconds: 3_600)
                let running = Task { try await service.run() }
                defer { running.cancel() }
                try await waitUntil { node.edge.slot.current?.version == 1 }
                gateway.publish(fixtures.v2, version: 2)
                try await waitUntil { node.edge.slot.current?.version == 2 }
            }
        }

        @Test("Unseen samples go up in batches, retried under the same keys, deleted only once acknowledged, exactly once")
        func uploads() async throws {
            var configuration = EdgeHarness.configuration()
            configuration.sync.uploadBatchSamples = 4
            try await SyncHarness.withGateway(configuration: configuration) { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                _ = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                var policy = Lifelong_V1_EgressPolicy()
                policy.mode = .all
                _ = try await node.inference.setEgressPolicy(policy)
                var request = Lifelong_V1_InferRequest()
                request.inputs = EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<10, keyPrefix: "u")
                let answered = try await node.inference.infer(request)
                #expect(answered.predictions.allSatisfy { $0.unseen })
                gateway.state.withLock {
                    $0.failUploads = 1
                    $0.loseAcknowledgements = 1
                }
                let failed = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(failed.error.contains("upload refused"))
                #expect(try node.edge.store.bufferUsage().samples == 10)
                let lost = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(lost.error.contains("connection lost"))
                #expect(try node.edge.store.bufferUsage().samples == 10, "not acknowledged: still buffered")
                let done = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                #expect(done.error == "")
                #expect(try node.edge.store.bufferUsage().samples == 0)
                let state = gateway.state.withLock { $0 }
                #expect(Set(state.received.keys) == Set((0..<10).map { "edge-test/u\($0)" }))
                #expect(state.batchKeys.count == 5)
                #expect(state.batchKeys[0] == state.batchKeys[1] && state.batchKeys[1] == state.batchKeys[2], "retries keep the key")
                #expect(Set(state.batchKeys).count == 3)
                let audit = try node.edge.store.auditLog()
                #expect(audit.map(\.samples) == [4, 4, 2])
                #expect(audit.allSatisfy { $0.policy == "ALL" })
                #expect(audit.flatMap(\.sampleKeys).sorted() == (0..<10).map { "edge-test/u\($0)" }.sorted())
                let status = try await node.inference.getStatus(Lifelong_V1_GetStatusRequest())
                #expect(status.samplesUploaded == 10 && status.samplesInferred == 10 && status.bufferedUnseen == 0)
                #expect(status.samplesTransferRatio == 1)
            }
        }
    }
}

/// Polls `condition` every 20 ms, for at most 10 s.
func waitUntil(_ condition: @Sendable () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within 10 s")
}
