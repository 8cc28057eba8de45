import LifelongCore
import LifelongLearning
import LifelongProto
import TaskMining
import RPCCore
import Testing

extension TaskMiningSuites {
    @Suite("Samples referenced in a knowledge base on PostgreSQL, read over HTTP/2")
    struct KnowledgeBaseSourceTests {
        static func add(_ kb: Lifelong_V1_KnowledgeBase.Client, _ samples: [Lifelong_V1_Sample]) async throws {
            let reply = try await kb.addSamples { writer in
                for start in stride(from: 0, to: samples.count, by: 500) {
                    var batch = Lifelong_V1_SampleBatch()
                    batch.samples = Array(samples[start..<min(start + 500, samples.count)])
                    try await writer.write(batch)
                }
            }
            #expect(reply.inserted == Int64(samples.count))
        }

        static func sequences(_ kb: Lifelong_V1_KnowledgeBase.Client, job: String) async throws -> [Int64] {
            var request = Lifelong_V1_ListSamplesRequest()
            request.jobId = job
            return try await kb.listSamples(request) { response in
                var sequences: [Int64] = []
                for try await batch in response.messages { sequences += batch.samples.map(\.sequence) }
                return sequences
            }
        }

        static func request(_ data: ScenarioSamples, job: String, kinds: [Lifelong_V1_SampleKind] = [], from: Int64 = 0, to: Int64 = 0)
            -> Lifelong_V1_DefineTasksRequest
        {
            var request = data.defineRequest(.attributes)
            var source = Lifelong_V1_SampleSource()
            source.jobId = job
            source.kinds = kinds
            source.fromSequence = from
            source.toSequence = to
            request.source = source
            return request
        }

        @Test("by job, kind and sequence range: the same plan as the same samples inline; an unknown job is NOT_FOUND")
        func referenced() async throws {
            let data = try ScenarioSamples()
            // Small list batches, so that reads and ranges span several of them.
            var configuration = TaskMiningConfiguration()
            configuration.limits.listBatchSize = 128
            try await TaskMiningHarness.withKnowledgeBase(configuration: configuration) { kb, mining in
                try await Self.add(kb, ScenarioSamples.samples(of: data.train, job: "thermal", keyPrefix: "train-"))
                try await Self.add(kb, ScenarioSamples.samples(of: data.test, job: "thermal", keyPrefix: "test-", kind: .eval))

                // Default kinds (train, labelled): the training rows only, as if inline.
                let inline = try await mining.defineTasks(data.defineRequest(.attributes))
                let stored = try await mining.defineTasks(Self.request(data, job: "thermal"))
                #expect(stored == inline)

                // Eval rows only.
                let eval = try await mining.defineTasks(Self.request(data, job: "thermal", kinds: [.eval]))
                #expect(eval.tasks.reduce(0) { $0 + $1.sampleCount } == Int64(data.test.rowCount))

                // A sequence range: the 300 samples from the 101st stored one on, across list batches.
                let sequences = try await Self.sequences(kb, job: "thermal")
                let rows = Array(100..<400)
                let ranged = try await mining.defineTasks(
                    Self.request(data, job: "thermal", from: sequences[rows.first!], to: sequences[rows.last!]))
                let subset = data.train.selecting(rows: rows)
                let expected = try TaskPartition.define(
                    subset, by: .attributes, standardizer: FeatureStatistics(table: subset.table), minTaskSize: 10, seed: 7)
                #expect(ranged.tasks.map(\.name) == expected.tasks.map(\.name))
                #expect(ranged.tasks.map(\.sampleCount) == expected.tasks.map { Int64($0.rows.count) })

                let missing = await #expect(throws: RPCError.self) { try await mining.defineTasks(Self.request(data, job: "nobody")) }
                #expect(missing?.code == .notFound)
                #expect(missing?.message.contains("source.job_id") == true)
                let empty = await #expect(throws: RPCError.self) {
                    try await mining.defineTasks(Self.request(data, job: "thermal", from: sequences.last! + 1))
                }
                #expect(empty?.code == .notFound)
            }
        }

        @Test("more stored samples than a call may mine: RESOURCE_EXHAUSTED naming the range fields")
        func tooMany() async throws {
            let data = try ScenarioSamples()
            var configuration = TaskMiningConfiguration()
            configuration.limits.maximumSamples = 300
            configuration.limits.listBatchSize = 100
            try await TaskMiningHarness.withKnowledgeBase(configuration: configuration) { kb, mining in
                try await Self.add(kb, ScenarioSamples.samples(of: data.train, rows: Array(0..<400), job: "big"))
                let error = await #expect(throws: RPCError.self) { try await mining.defineTasks(Self.request(data, job: "big")) }
                #expect(error?.code == .resourceExhausted)
                #expect(error?.message.contains("from_sequence") == true)
                let sequences = try await Self.sequences(kb, job: "big")
                let ranged = try await mining.defineTasks(Self.request(data, job: "big", from: sequences[50], to: sequences[349]))
                #expect(ranged.tasks.reduce(0) { $0 + $1.sampleCount } == 300)
            }
        }
    }
}
