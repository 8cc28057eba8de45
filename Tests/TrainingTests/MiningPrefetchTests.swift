import HTTP2Transport
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing
@testable import Training

/// The publication's mining measured beside the task units (`MiningPrefetch`): used only for
/// requests with the same key, and then what task mining says of the published snapshot.
@Suite("Training: the publication's mining measured beside the task units")
struct MiningPrefetchTests {
    @Test("requests differing only in the tasks' times share a key; another record, task set or sample range does not")
    func requestKeys() throws {
        let snapshot = Self.snapshot(tasks: ["a", "b"])
        let requests = try MiningRequests(snapshot: snapshot, through: 40, targetFalsePositiveRate: 0.05)
        #expect(requests.relations.source?.toSequence == 40 && requests.detectors.source?.toSequence == 40)
        #expect(requests.detectors.source?.kinds == [.eval] && requests.detectorsOnTrainingSamples.source?.kinds == [])
        #expect(requests.relations.tasks.allSatisfy { $0.createdAtUs == 0 && $0.updatedAtUs == 0 })

        var later = snapshot
        for index in later.tasks.indices { later.tasks[index].updatedAtUs += 1_000 }
        #expect(try MiningRequests(snapshot: later, through: 40, targetFalsePositiveRate: 0.05).key == requests.key)

        var changed = snapshot
        changed.tasks[1].sampleCount += 1
        var fewer = snapshot
        fewer.tasks.removeLast()
        for other in [
            try MiningRequests(snapshot: changed, through: 40, targetFalsePositiveRate: 0.05),
            try MiningRequests(snapshot: fewer, through: 40, targetFalsePositiveRate: 0.05),
            try MiningRequests(snapshot: snapshot, through: 41, targetFalsePositiveRate: 0.05),
            try MiningRequests(snapshot: snapshot, through: 40, targetFalsePositiveRate: 0.1),
        ] {
            #expect(other.key != requests.key)
        }
    }

    @Test("a run's publication takes the mining measured beside its task units: what task mining says of the published snapshot")
    func prefetchedMiningIsUsed() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "prefetch")
            try await env.add(data.samples(round: 0))
            let events = try await env.train(data.request(base: 0))
            #expect(events.last?.snapshotVersion == 1)
            #expect(events.contains { $0.message.hasSuffix("measured beside the task units") })

            let (published, _) = try await env.index(version: 1, job: "prefetch")
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: env.taskMiningPort)
            defer { Task { await transport.close() } }
            let mining = TaskMiningAccess(
                client: Lifelong_V1_TaskMining.Client(
                    wrapping: RPCClient(transport: transport.authenticated(with: TestServiceHost.token(.service)))))
            var asked = published
            for index in asked.tasks.indices { asked.tasks[index].group = "" }
            let direct = try await SnapshotMining.measure(
                try MiningRequests(snapshot: asked, through: 0, targetFalsePositiveRate: 0.05), mining: mining, onWait: { _ in })
            #expect(published.relations == direct.relations)
            #expect(published.groups == direct.groups)
            #expect(published.detectors == direct.detectors)
        }
    }

    /// A snapshot of named tasks with statistics and times, on a schema of two classes.
    static func snapshot(tasks names: [String]) -> Lifelong_V1_TaskIndexSnapshot {
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        snapshot.jobId = "keys"
        var schema = Lifelong_V1_FeatureSchema()
        schema.labelName = "label"
        schema.classes = ["no", "yes"]
        snapshot.schema = schema
        snapshot.tasks = names.enumerated().map { index, name in
            var task = Lifelong_V1_Task()
            task.name = name
            task.sampleCount = Int64(10 + index)
            var statistics = Lifelong_V1_FeatureStatistics()
            statistics.mean = [Double(index), 1]
            statistics.stddev = [1, 2]
            task.statistics = statistics
            task.createdAtUs = 1_000 + Int64(index)
            task.updatedAtUs = 2_000 + Int64(index)
            return task
        }
        return snapshot
    }
}
