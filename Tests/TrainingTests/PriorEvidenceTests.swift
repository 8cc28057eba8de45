import Foundation
import JobQueue
import LifelongCore
import LifelongLearning
import LifelongProto
import PostgresClient
import Testing
@testable import Training

@Suite("the prior's grid evidence goes from run to run as the learner carries it from update to update")
struct PriorEvidenceTests {
    @Test("a second tuned run chooses its prior on both runs' evidence: evidence and prior are the in-process ones bit for bit")
    func evidenceAcrossRuns() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "evidence")
            let (first, second) = try await Self.twoTunedRuns(env, data, secondRound: data.samples(round: 1))

            // Every member of the bag carries its own evidence and trains its own prior.
            let rounds = data.scenario.rounds
            for member in 0..<LifelongConfiguration().bagSize {
                let (firstEvidence, secondEvidence, secondPrior) = try await env.withStore { store in
                    (
                        try await store.artifact(PriorEvidence.artifactName(member: member), run: first.runId),
                        try await store.artifact(PriorEvidence.artifactName(member: member), run: second.runId),
                        try await store.artifact(PlanArtifacts.name("prior", member: member), run: second.runId)
                    )
                }
                let decoder = JSONDecoder()
                let carried = try decoder.decode(GridEvidence.self, from: Data(try #require(firstEvidence)))
                let summed = try decoder.decode(GridEvidence.self, from: Data(try #require(secondEvidence)))
                #expect(carried.searches == 1 && summed.searches == 2)

                let expectedFirst = try #require(try InProcessTraining.tunedPrior(rounds[0].train, evidence: nil, member: member))
                #expect(expectedFirst.evidence == carried)
                let expectedSecond = try #require(
                    try InProcessTraining.tunedPrior(rounds[0].train.appending(rounds[1].train), evidence: carried, member: member))
                #expect(expectedSecond.evidence == summed)
                #expect(try StoredModel(.gradientBoostedTrees(expectedSecond.model)).bytes == secondPrior)
            }
        }
    }

    @Test("a run whose drift test retires samples passes no evidence on: the next run's search starts afresh")
    func driftResetsEvidence() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "evidence-drift")
            let drifted = try #require(data.scenario.rounds[1].updatedTasks.first)
            let (first, second) = try await Self.twoTunedRuns(env, data, secondRound: data.samples(round: 1, turningAround: drifted))
            let (snapshot, _) = try await env.index(version: 2, job: "evidence-drift")
            #expect(try #require(snapshot.tasks.first { $0.name == drifted }).retiredThroughSequence > 0)
            for member in 0..<LifelongConfiguration().bagSize {
                let (before, after) = try await env.withStore { store in
                    (
                        try await store.artifact(PriorEvidence.artifactName(member: member), run: first.runId),
                        try await store.artifact(PriorEvidence.artifactName(member: member), run: second.runId)
                    )
                }
                #expect(before != nil)
                #expect(after == nil)
            }
        }
    }

    /// Round 0's samples trained with the prior tuned (version 1), then `secondRound`'s on top
    /// of it (version 2, any retrained model passing the gate): the two runs' final events.
    static func twoTunedRuns(
        _ env: TrainingEnvironment, _ data: ScenarioSamples, secondRound: [Lifelong_V1_Sample]
    ) async throws -> (first: Lifelong_V1_JobProgressEvent, second: Lifelong_V1_JobProgressEvent) {
        try await env.add(data.samples(round: 0))
        let first = try #require(try await env.train(data.request(base: 0) { $0.parameters?.rounds = 0 }).last)
        #expect(first.snapshotVersion == 1)
        try await env.add(secondRound)
        let second = try #require(
            try await env.train(data.request(base: 1) { $0.parameters?.rounds = 0; $0.minImprovement = -1 }).last)
        #expect(second.snapshotVersion == 2)
        return (first, second)
    }
}

extension TrainingEnvironment {
    /// The training instances' run store (artifacts of runs), on their schema.
    func withStore<T: Sendable>(_ body: (RunStore) async throws -> T) async throws -> T {
        try await withQueue { queue in try await body(RunStore(pool: queue.pool, queue: queue)) }
    }
}
