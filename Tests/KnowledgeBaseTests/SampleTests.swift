import KnowledgeBase
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

@Suite("Samples: idempotent ingest, cursor paging, labels")
struct SampleTests {
    static func add(_ client: Lifelong_V1_KnowledgeBase.Client, _ batches: [[Lifelong_V1_Sample]]) async throws
        -> Lifelong_V1_AddSamplesResponse
    {
        try await client.addSamples { writer in
            for samples in batches {
                var batch = Lifelong_V1_SampleBatch()
                batch.samples = samples
                try await writer.write(batch)
            }
        }
    }

    static func list(_ client: Lifelong_V1_KnowledgeBase.Client, _ request: Lifelong_V1_ListSamplesRequest) async throws
        -> [Lifelong_V1_SampleBatch]
    {
        try await client.listSamples(request) { response in
            var batches: [Lifelong_V1_SampleBatch] = []
            for try await batch in response.messages { batches.append(batch) }
            return batches
        }
    }

    @Test("the same keys twice are stored once; counts say new and duplicate")
    func idempotent() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let samples = (0..<250).map { Make.sample(job: "s", key: "k\($0)", features: [Double($0), 1, 2]) }
            let first = try await Self.add(kb.client, [Array(samples[0..<100]), Array(samples[100..<250])])
            #expect(first.inserted == 250)
            #expect(first.duplicates == 0)
            // Again, plus 10 new ones and a duplicate inside one batch.
            let again = try await Self.add(
                kb.client,
                [samples + (250..<260).map { Make.sample(job: "s", key: "k\($0)", features: [0, 0, 0]) } + [samples[0]]])
            #expect(again.inserted == 10)
            #expect(again.duplicates == 251)
            #expect(try await kb.count("select count(*) from samples") == 260)
        }
    }

    @Test("a call storing many samples refreshes the table's statistics; a small one leaves them to autovacuum")
    func statisticsAfterBulkIngest() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let reltuples = "select reltuples::int8 from pg_class where oid = 'samples'::regclass"
            let small = (0..<999).map { Make.sample(job: "stats", key: "s\($0)", features: [Double($0), 1, 2]) }
            #expect(try await Self.add(kb.client, [small]).inserted == 999)
            #expect(try await kb.count(reltuples) == -1, "never analyzed after fewer than 1,000 samples")
            let bulk = (0..<1_200).map { Make.sample(job: "stats", key: "b\($0)", features: [Double($0), 1, 2]) }
            #expect(try await Self.add(kb.client, [Array(bulk[0..<600]), Array(bulk[600...])]).inserted == 1_200)
            #expect(try await kb.count(reltuples) == 2_199)
        }
    }

    @Test("samples come back intact, in order, in batches with resumable cursors")
    func paging() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            var samples: [Lifelong_V1_Sample] = []
            for index in 0..<95 {
                var sample = Make.sample(
                    job: "p", key: "key-\(index)", features: [Double(index), .nan, -1.5],
                    kind: index % 3 == 0 ? .eval : .train, task: index % 2 == 0 ? "even" : "odd",
                    label: index % 5 == 0 ? nil : Int32(index % 3), observedAt: 1_700_000_000_000_000 + Int64(index) * 1_000_000)
                sample.attributes = [Make.attribute("season", "summer"), Make.attribute("zone", "a\"b")]
                sample.edgeNode = "edge-1"
                samples.append(sample)
            }
            _ = try await Self.add(kb.client, [samples])

            var request = Lifelong_V1_ListSamplesRequest()
            request.jobId = "p"
            request.batchSize = 20
            let all = try await Self.list(kb.client, request)
            #expect(all.map(\.samples.count) == [20, 20, 20, 20, 15])
            let listed = all.flatMap(\.samples)
            #expect(listed.map(\.key) == samples.map(\.key))
            let sequences = listed.map(\.sequence)
            #expect(sequences == sequences.sorted() && Set(sequences).count == 95)
            let third = listed[3]
            #expect(third.features[0] == 3 && third.features[1].isNaN && third.features[2] == -1.5)
            #expect(third.kind == .eval)
            #expect(third.taskName == "odd")
            #expect(third.label?.classIndex == 0 && third.label?.present == true)
            #expect(third.edgeNode == "edge-1")
            #expect(third.observedAtUs == 1_700_000_003_000_000)
            #expect(Set(third.attributes.map { "\($0.name)=\($0.value)" }) == ["season=summer", "zone=a\"b"])
            #expect(listed[5].label == nil)

            // Resume from the second batch's cursor.
            request.cursor = all[1].nextCursor
            let rest = try await Self.list(kb.client, request).flatMap(\.samples)
            #expect(rest.map(\.key) == samples[40...].map(\.key))

            // Filters: task, kind, label state, time, limit.
            var filtered = Lifelong_V1_ListSamplesRequest()
            filtered.jobId = "p"
            filtered.taskName = "even"
            filtered.kinds = [.eval]
            #expect(try await Self.list(kb.client, filtered).flatMap(\.samples).map(\.key)
                == samples.enumerated().filter { $0.offset % 6 == 0 }.map(\.element.key))
            filtered = Lifelong_V1_ListSamplesRequest()
            filtered.jobId = "p"
            filtered.labelState = .unlabelled
            #expect(try await Self.list(kb.client, filtered).flatMap(\.samples).count == 19)
            filtered.labelState = .labelled
            filtered.fromUs = 1_700_000_010_000_000
            filtered.toUs = 1_700_000_020_000_000
            filtered.limit = 5
            #expect(try await Self.list(kb.client, filtered).flatMap(\.samples).map(\.key)
                == ["key-11", "key-12", "key-13", "key-14", "key-16"])

            filtered.cursor = "garbage"
            let bad = await statusCode { _ = try await Self.list(kb.client, filtered) }
            #expect(bad?.0 == .invalidArgument)
            #expect(bad?.1.contains("cursor") == true)
        }
    }

    @Test("attach labels: unseen samples become labelled; unknown keys are reported")
    func labels() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await Self.add(
                kb.client,
                [[
                    Make.sample(job: "l", key: "u1", features: [1], kind: .unseen),
                    Make.sample(job: "l", key: "u2", features: [2], kind: .unseen),
                    Make.sample(job: "l", key: "t1", features: [3], kind: .train, label: 1),
                ]])
            var request = Lifelong_V1_AttachLabelsRequest()
            request.jobId = "l"
            request.labels = ["u1", "t1", "nope"].map { key in
                var entry = Lifelong_V1_SampleLabel()
                entry.key = key
                var label = Lifelong_V1_Label()
                label.present = true
                label.classIndex = 2
                entry.label = label
                entry.taskName = key == "u1" ? "new-task" : ""
                return entry
            }
            let response = try await kb.client.attachLabels(request)
            #expect(response.updated == 2)
            #expect(response.unknownKeys == ["nope"])

            var list = Lifelong_V1_ListSamplesRequest()
            list.jobId = "l"
            let samples = try await Self.list(kb.client, list).flatMap(\.samples)
            let byKey = Dictionary(uniqueKeysWithValues: samples.map { ($0.key, $0) })
            #expect(byKey["u1"]?.kind == .labelled)
            #expect(byKey["u1"]?.taskName == "new-task")
            #expect(byKey["u1"]?.label?.classIndex == 2)
            #expect(byKey["u2"]?.kind == .unseen)
            #expect(byKey["u2"]?.label == nil)
            #expect(byKey["t1"]?.kind == .train)
            #expect(byKey["t1"]?.label?.classIndex == 2)
        }
    }

    @Test("a wrong feature count is INVALID_ARGUMENT naming the sample, the field and the expected count; nothing of that batch is stored")
    func wrongFeatureCount() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            _ = try await kb.client.publishSnapshot(
                Make.snapshot(job: "f", base: 0, tasks: [Make.task("t", mean: [0, 0, 0, 0])], features: 4))
            let failure = await statusCode {
                _ = try await Self.add(
                    kb.client,
                    [[
                        Make.sample(job: "f", key: "ok", features: [1, 2, 3, 4]),
                        Make.sample(job: "f", key: "bad", features: [1, 2, 3]),
                    ]])
            }
            #expect(failure?.0 == .invalidArgument)
            #expect(failure?.1.contains("samples[1].features") == true)
            #expect(failure?.1.contains("expected 4") == true)
            #expect(try await kb.count("select count(*) from samples") == 0)

            // A job without a snapshot takes its count from its first samples.
            _ = try await Self.add(kb.client, [[Make.sample(job: "g", key: "a", features: [1, 2])]])
            let second = await statusCode {
                _ = try await Self.add(kb.client, [[Make.sample(job: "g", key: "b", features: [1, 2, 3])]])
            }
            #expect(second?.0 == .invalidArgument)
            #expect(second?.1.contains("expected 2") == true)

            let noKey = await statusCode { _ = try await Self.add(kb.client, [[Make.sample(job: "g", key: "", features: [1, 2])]]) }
            #expect(noKey?.0 == .invalidArgument)
            #expect(noKey?.1.contains("samples[0].key") == true)
        }
    }

    @Test("a batch beyond the limit is RESOURCE_EXHAUSTED")
    func oversizeBatch() async throws {
        var limits = KnowledgeBaseConfiguration.Limits()
        limits.maximumSamplesPerBatch = 10
        try await KnowledgeBaseFixture.with(limits: limits) { kb async throws in
            let samples = (0..<11).map { Make.sample(job: "o", key: "k\($0)", features: [1]) }
            let failure = await statusCode { _ = try await Self.add(kb.client, [samples]) }
            #expect(failure?.0 == .resourceExhausted)
        }
    }
}
