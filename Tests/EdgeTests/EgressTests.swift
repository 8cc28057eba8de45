import Edge
import Foundation
import LifelongCore
import LifelongProto
import RPCCore
import Testing

extension EdgeSuites {
    @Suite("Egress policy: what the cloud receives, field by field")
    struct EgressTests {
        let fixtures = EdgeFixtures.shared

        /// Syncs v1, sets `policy`, infers 10 unseen and 30 known samples, syncs, and hands the
        /// test what the gateway received and the node's sync reply.
        func run(
            _ policy: Lifelong_V1_EgressPolicy,
            _ check: @Sendable (GatewayDouble.State, Lifelong_V1_SyncNowResponse, EdgeHarness.Running) async throws -> Void
        ) async throws {
            try await SyncHarness.withGateway { gateway, node async throws in
                gateway.publish(fixtures.v1, version: 1)
                _ = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                _ = try await node.inference.setEgressPolicy(policy)
                var request = Lifelong_V1_InferRequest()
                request.inputs = EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<10, keyPrefix: "u")
                    + EdgeFixtures.inputs(of: fixtures.known, rows: 0..<30)
                let answered = try await node.inference.infer(request)
                #expect(answered.predictions.prefix(10).allSatisfy { $0.unseen })
                let reply = try await node.inference.syncNow(Lifelong_V1_SyncNowRequest())
                try await check(gateway.state.withLock { $0 }, reply, node)
            }
        }

        func observed(_ row: Int) -> Lifelong_V1_InferenceInput {
            EdgeFixtures.inputs(of: fixtures.newSites, rows: row..<row + 1, keyPrefix: "u")[0]
        }

        @Test("DENY (the default): nothing leaves; the samples are counted as withheld")
        func deny() async throws {
            try await run(Lifelong_V1_EgressPolicy()) { state, reply, node async throws in
                #expect(state.received.isEmpty && state.batchKeys.isEmpty)
                #expect(reply.withheld >= 10 && reply.uploaded == 0)
                #expect(try node.edge.store.auditLog().isEmpty)
                #expect(try await node.inference.getStatus(Lifelong_V1_GetStatusRequest()).queuedUploads == 0)
            }
        }

        @Test("ALL: the unseen samples leave exactly as observed")
        func all() async throws {
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .all
            try await run(policy) { state, reply, _ async throws in
                let unseen = reply.uploaded
                #expect(unseen >= 10)
                for row in 0..<10 {
                    let input = observed(row)
                    let sample = try #require(state.received["edge-test/u\(row)"])
                    #expect(sample.features == input.features)
                    #expect(sample.attributes == input.attributes)
                    #expect(sample.kind == .unseen && sample.jobId == EdgeFixtures.jobId && sample.edgeNode == "edge-test")
                    #expect(sample.observedAtUs > 0)
                }
            }
        }

        @Test("UNSEEN_ONLY: redacted features arrive as NaN, redacted attributes are removed, the rest is unchanged")
        func redaction() async throws {
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .unseenOnly
            policy.redactedFeatures = ["relative_humidity", "site"]
            try await run(policy) { state, _, node async throws in
                let humidity = try #require(ThermalComfortScenario.featureNames.firstIndex(of: "relative_humidity"))
                for row in 0..<10 {
                    let input = observed(row)
                    let sample = try #require(state.received["edge-test/u\(row)"])
                    for (column, value) in sample.features.enumerated() {
                        if column == humidity { #expect(value.isNaN) } else { #expect(value == input.features[column]) }
                    }
                    #expect(sample.attributes.map(\.name) == ["season"])
                    #expect(sample.attributes == input.attributes.filter { $0.name != "site" })
                }
                #expect(try node.edge.store.auditLog().allSatisfy { $0.policy == "UNSEEN_ONLY redacted=relative_humidity,site" })
            }
        }

        @Test("UNSEEN_ONLY within max_transfer_ratio: uploaded ÷ inferred stays under the ratio")
        func ratio() async throws {
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .unseenOnly
            policy.maxTransferRatio = 0.1
            try await run(policy) { state, reply, node async throws in
                #expect(state.received.count == 4, "0.1 × 40 inferred")
                #expect(reply.uploaded == 4 && reply.withheld > 0)
                #expect(try node.edge.state.samplesTransferRatio() == 0.1)
            }
        }

        @Test("UNSEEN_ONLY outside the daily window: nothing leaves until it opens")
        func window() async throws {
            let minute = Int(Date().timeIntervalSince1970) % 86_400 / 60
            @Sendable func clock(_ minutes: Int) -> String {
                let value = ((minutes % 1_440) + 1_440) % 1_440
                return String(format: "%02d:%02d", value / 60, value % 60)
            }
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .unseenOnly
            policy.windowStart = clock(minute + 120)
            policy.windowEnd = clock(minute + 180)
            let closed = policy
            try await run(policy) { state, reply, node async throws in
                #expect(state.received.isEmpty)
                #expect(reply.withheld >= 10)
                var open = closed
                open.windowStart = clock(minute - 60)
                open.windowEnd = clock(minute + 60)
                _ = try await node.inference.setEgressPolicy(open)
                #expect(try await node.inference.syncNow(Lifelong_V1_SyncNowRequest()).uploaded >= 10)
            }
        }

        /// A defective policy and the field its error must name.
        struct Case: Sendable, CustomTestStringConvertible {
            let field: String
            let change: @Sendable (inout Lifelong_V1_EgressPolicy) -> Void
            var testDescription: String { field }
        }

        static let cases: [Case] = [
            Case(field: "max_transfer_ratio") { $0.maxTransferRatio = 1.5 },
            Case(field: "window_start") {
                $0.windowStart = "25:00"
                $0.windowEnd = "01:00"
            },
            Case(field: "window_end") { $0.windowStart = "01:00" },
            Case(field: "mode") { $0.mode = .unrecognized(7) },
        ]

        @Test("A malformed policy is INVALID_ARGUMENT naming its field", arguments: cases)
        func badPolicy(_ defect: Case) async throws {
            var policy = Lifelong_V1_EgressPolicy()
            policy.mode = .unseenOnly
            defect.change(&policy)
            let field = defect.field
            let request = policy
            try await TemporaryStore.with { path async throws in
                try await EdgeHarness.withEdge(path: path) { node async throws in
                    let error = await #expect(throws: RPCError.self) { try await node.inference.setEgressPolicy(request) }
                    #expect(error?.code == .invalidArgument)
                    #expect(error?.message.hasPrefix(field + ":") == true, "\(error?.message ?? "")")
                }
            }
        }
    }
}
