import Edge
import LifelongCore
import LifelongProto
import RPCCore
import Testing

extension EdgeSuites {
    @Suite("Inference from the local store, without a cloud")
    struct InferenceTests {
        let fixtures = EdgeFixtures.shared

        @Test("With no snapshot synced: health answers, inference is UNAVAILABLE saying so")
        func noSnapshot() async throws {
            try await TemporaryStore.with { path async throws in
                try await EdgeHarness.withEdge(path: path) { node async throws in
                    let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: node.host.transport))
                    #expect(try await health.check(Grpc_Health_V1_HealthCheckRequest()).status == .serving)
                    var request = Lifelong_V1_InferRequest()
                    request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<2)
                    let error = await #expect(throws: RPCError.self) { try await node.inference.infer(request) }
                    #expect(error?.code == .unavailable)
                    #expect(error?.message.contains("no snapshot was synced yet") == true)
                    let status = try await node.inference.getStatus(Lifelong_V1_GetStatusRequest())
                    #expect(status.snapshotVersion == 0)
                }
            }
        }

        @Test("Serves the stored snapshot after a restart: predictions are TaskIndex.predict's, unseen samples are durable")
        func servesFromStore() async throws {
            try await TemporaryStore.with { path async throws in
                try EdgeFixtures.install(fixtures.v1, version: 1, into: try EdgeStore(path: path))
                let known = fixtures.known
                let fresh = fixtures.newSites
                var request = Lifelong_V1_InferRequest()
                request.inputs = EdgeFixtures.inputs(of: known, rows: 0..<20) + EdgeFixtures.inputs(of: fresh, rows: 0..<5, keyPrefix: "new")
                let response = try await EdgeHarness.withEdge(path: path) { node in try await node.inference.infer(request) }
                #expect(response.predictions.count == 25)
                for (input, prediction) in zip(request.inputs, response.predictions) {
                    let expected = try fixtures.v1.predict(
                        features: input.features.map(Float.init), attributes: input.attributes.map(\.value))
                    #expect(prediction.key == input.key)
                    #expect(prediction.snapshotVersion == 1)
                    #expect(prediction.probabilities == expected.probabilities.map(Double.init))
                    #expect(prediction.classIndex == Int32(expected.predictedClass))
                    #expect(prediction.taskName == (expected.task ?? ""))
                    #expect(prediction.unseen == expected.unseen)
                    #expect(prediction.fallback == expected.blended)
                    let flagged = Set(prediction.scores.filter(\.flagged).map(\.kind))
                    #expect(flagged == Set(expected.flaggedBy.map { kind -> Lifelong_V1_DetectorKind in
                        switch kind {
                        case .attributes: .attributes
                        case .confidence: .confidence
                        case .distribution: .distribution
                        }
                    }))
                    #expect((0...1).contains(prediction.allocationConfidence))
                }
                let newSites = response.predictions.suffix(5)
                #expect(newSites.allSatisfy { $0.unseen && $0.scores.contains { $0.kind == .attributes && $0.flagged } })
                #expect(newSites.allSatisfy { $0.allocationConfidence == 0 })
                // The reply came after the commit: a store opened afresh holds every flagged sample.
                let unseenCount = response.predictions.filter(\.unseen).count
                let reopened = try EdgeStore(path: path)
                #expect(try reopened.bufferUsage().samples == Int64(unseenCount))
                #expect(try reopened.counters()[.samplesInferred] == 25)
                let batch = try #require(try reopened.nextBatch(limit: 100, nowUs: 0) { "b\($0)" })
                let stored = try batch.samples.map { try Lifelong_V1_Sample(serializedBytes: $0.message) }
                #expect(stored.contains { $0.key == "edge-test/new0" && $0.kind == .unseen && $0.edgeNode == "edge-test" })
                #expect(stored.first { $0.key == "edge-test/new0" }?.features == request.inputs[20].features)
            }
        }

        @Test("InferStream answers each batch in order on the same port")
        func stream() async throws {
            let batches = (0..<4).map { index in
                var request = Lifelong_V1_InferRequest()
                request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: index * 3..<index * 3 + 3, keyPrefix: "s\(index)-")
                return request
            }
            let replies = try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                try await node.inference.inferStream(requestProducer: { writer in
                    for batch in batches { try await writer.write(batch) }
                }) { response in
                    var replies: [Lifelong_V1_InferResponse] = []
                    for try await reply in response.messages { replies.append(reply) }
                    return replies
                }
            }
            #expect(replies.count == 4)
            #expect(replies.map { $0.predictions.map(\.key) } == batches.map { $0.inputs.map(\.key) })
        }

        /// A defective request and the start of the message its INVALID_ARGUMENT must carry.
        struct Case: Sendable, CustomTestStringConvertible {
            let field: String
            let change: @Sendable (inout Lifelong_V1_InferRequest) -> Void
            var testDescription: String { field }
        }

        static let cases: [Case] = [
            Case(field: "inputs[1].features: 5 values, the schema has 6") { $0.inputs[1].features.removeLast() },
            Case(field: "inputs[2].features[0] (air_temperature): inf is not finite") { $0.inputs[2].features[0] = .infinity },
            Case(field: "inputs[0].attributes[0].name: 'colour' is not an attribute") { $0.inputs[0].attributes[0].name = "colour" },
            Case(field: "inputs[3].attributes[1].name: 'site' is given twice") { $0.inputs[3].attributes[1].name = "site" },
            Case(field: "inputs[1].features: 7 values") { $0.inputs[1].features.append(1) },
        ]

        @Test("Bad input: INVALID_ARGUMENT naming the sample and field; nothing predicted or buffered", arguments: cases)
        func badInput(_ defect: Case) async throws {
            var request = Lifelong_V1_InferRequest()
            request.inputs = EdgeFixtures.inputs(of: fixtures.newSites, rows: 0..<4)
            defect.change(&request)
            try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                let error = await #expect(throws: RPCError.self) { try await node.inference.infer(request) }
                #expect(error?.code == .invalidArgument)
                #expect(error?.message.hasPrefix(defect.field) == true, "\(error?.message ?? "no error")")
                #expect(try node.edge.store.bufferUsage().samples == 0)
            }
        }

        @Test("Every bad sample of a batch is named in the one error; NaN is a missing value, not an error")
        func perSampleErrors() async throws {
            var request = Lifelong_V1_InferRequest()
            request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<6)
            request.inputs[1].features.removeLast()
            request.inputs[4].features[2] = -.infinity
            var missing = Lifelong_V1_InferRequest()
            missing.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<1)
            missing.inputs[0].features[1] = .nan
            try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                let error = await #expect(throws: RPCError.self) { try await node.inference.infer(request) }
                #expect(error?.message.contains("inputs[1].features:") == true)
                #expect(error?.message.contains("inputs[4].features[2]") == true)
                #expect(try await node.inference.infer(missing).predictions.count == 1)
            }
        }

        @Test("An oversize batch is RESOURCE_EXHAUSTED naming the limit")
        func oversize() async throws {
            var request = Lifelong_V1_InferRequest()
            request.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<65)
            try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                let error = await #expect(throws: RPCError.self) { try await node.inference.infer(request) }
                #expect(error?.code == .resourceExhausted)
                #expect(error?.message == "inputs: 65 samples; the limit is 64 per request")
            }
        }

        @Test("Hot swap under steady load: no request fails, each answer is wholly one version's")
        func hotSwap() async throws {
            var load = Lifelong_V1_InferRequest()
            load.inputs = EdgeFixtures.inputs(of: fixtures.known, rows: 0..<16)
            let request = load
            let fixtures = fixtures
            try await EdgeHarness.withServing(fixtures.v1) { node async throws in
                let installer = SnapshotInstaller(store: node.edge.store, slot: node.edge.slot)
                let versions = try await withThrowingTaskGroup(of: [Int64].self) { group in
                    for _ in 0..<4 {
                        group.addTask {
                            var seen: [Int64] = []
                            for _ in 0..<25 {
                                let response = try await node.inference.infer(request)
                                let versions = Set(response.predictions.map(\.snapshotVersion))
                                #expect(versions.count == 1)
                                seen.append(versions.first ?? 0)
                            }
                            return seen
                        }
                    }
                    for version in 2...6 {
                        try await Task.sleep(for: .milliseconds(20))
                        let index = version % 2 == 0 ? fixtures.v2 : fixtures.v1
                        for (digest, bytes) in index.modelBytes { try installer.storeModel(digest: digest, bytes: bytes) }
                        try installer.install(EdgeFixtures.message(index, version: Int64(version)))
                    }
                    var all: [Int64] = []
                    for try await seen in group { all += seen }
                    return all
                }
                #expect(versions.count == 100)
                #expect(node.edge.slot.current?.version == 6)
                #expect(try node.edge.store.snapshot(.previous)?.version == 5)
            }
        }
    }
}
