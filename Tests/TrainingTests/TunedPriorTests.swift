import Foundation
import JobQueue
import LifelongCore
import LifelongLearning
import LifelongProto
import PostgresClient
import Testing
@testable import Training

@Suite("a tuned run's priors: each bag member's grid search on the run's rows, as in-process")
struct TunedPriorTests {
    @Test("a second tuned run searches afresh on all its rows: every member's prior is the in-process one bit for bit")
    func secondRunSearchesAfresh() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "tuned-prior")
            try await env.add(data.samples(round: 0))
            let first = try #require(try await env.train(data.request(base: 0) { $0.parameters?.rounds = 0 }).last)
            #expect(first.snapshotVersion == 1)
            try await env.add(data.samples(round: 1))
            let second = try #require(
                try await env.train(data.request(base: 1) { $0.parameters?.rounds = 0; $0.minImprovement = -1 }).last)
            #expect(second.snapshotVersion == 2)

            let rounds = data.scenario.rounds
            var members: [Data] = []
            for member in 0..<LifelongConfiguration().bagSize {
                let stored = try await env.withStore { store in
                    try await store.artifact(PlanArtifacts.name("prior", member: member), run: second.runId)
                }
                let expected = try #require(try InProcessTraining.tunedPrior(rounds[0].train.appending(rounds[1].train), member: member))
                #expect(try StoredModel(.gradientBoostedTrees(expected.model)).bytes == stored)
                members.append(Data(try #require(stored)))
            }
            // Each member searched with its own seed: their priors differ.
            #expect(Set(members).count == members.count)
        }
    }
}

extension TrainingEnvironment {
    /// The training instances' run store (artifacts of runs), on their schema.
    func withStore<T: Sendable>(_ body: (RunStore) async throws -> T) async throws -> T {
        try await withQueue { queue in try await body(RunStore(pool: queue.pool, queue: queue)) }
    }
}
