import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Testing

@Suite("Training end to end (KB and training hosted on loopback, real PostgreSQL)")
struct TrainingEndToEndTests {
    @Test("a generated scenario is trained and published; the KB's models predict exactly what in-process training predicts")
    func endToEnd() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "e2e")
            try await env.add(data.samples(round: 0))
            let events = try await env.train(data.request(base: 0))
            let finished = try #require(events.last)
            #expect(finished.kind == .finished && finished.state == .completed && finished.snapshotVersion == 1)
            #expect(events.map(\.sequence) == Array(1...Int64(events.count)))
            let kinds = Set(events.map(\.kind))
            #expect(kinds.isSuperset(of: [.queued, .started, .boostingRound, .evaluating, .accepted, .published, .finished]))

            let run = try await env.run(finished.runId)
            let tasks = Set(data.scenario.rounds[0].newTasks)
            #expect(run.state == .completed && run.publishedVersion == 1)
            #expect(Set(run.createdTasks) == tasks)
            #expect(run.tasks.allSatisfy { $0.accuracy > 0 && $0.evalSamples == 40 })

            let (snapshot, index) = try await env.index(version: 1, job: "e2e")
            #expect(Set(snapshot.tasks.map(\.name)) == tasks)
            let expected = try InProcessTraining.models(data.scenario.rounds[0].train)
            let test = data.scenario.rounds[0].test
            for task in tasks {
                let assigned = try #require(index.assignment(of: task)?.model)
                #expect(assigned == expected[task]!.digest, "task \(task): the published model is the in-process one, bit for bit")
            }
            for row in 0..<test.rowCount {
                let served = try index.predict(features: test.table.features(ofRow: row), attributes: test.attributes[row])
                let local = try expected[test.attributeKey(ofRow: row)]!.model.model.predict(test.table.features(ofRow: row))
                #expect(served.probabilities == local)
            }

            // Evaluate scores the published snapshot on the KB's eval samples: the run's accuracies.
            var evaluate = Lifelong_V1_EvaluateRequest()
            evaluate.jobId = "e2e"
            let evaluation = try await env.training.evaluate(evaluate)
            #expect(evaluation.tasks.count == tasks.count)
            for entry in evaluation.tasks {
                #expect(entry.sampleCount == 40)
                #expect(entry.accuracy == run.tasks.first { $0.taskName == entry.taskName }?.accuracy)
            }
            #expect(evaluation.overall?.sampleCount == 120)
        }
    }

    @Test("with the prior tuned (rounds 0), the published models are the in-process ones bit for bit, linear base included")
    func tunedPrior() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "tuned")
            try await env.add(data.samples(round: 0))
            let finished = try #require(try await env.train(data.request(base: 0) { $0.parameters?.rounds = 0 }).last)
            #expect(finished.state == .completed && finished.snapshotVersion == 1)
            let (_, index) = try await env.index(version: 1, job: "tuned")
            let expected = try InProcessTraining.models(data.scenario.rounds[0].train, tunedPrior: true)
            // The grid chose trees on a linear base for this scenario's prior: the test carries one
            // through the service, the knowledge base and the index.
            #expect(expected.values.contains { stored in
                if case .gradientBoostedTrees(let model) = stored.model { return model.hasLinearBase }
                return false
            })
            for task in data.scenario.rounds[0].newTasks {
                #expect(try #require(index.assignment(of: task)?.model) == expected[task]!.digest, "task \(task)")
            }
            let test = data.scenario.rounds[0].test
            for row in 0..<test.rowCount {
                let served = try index.predict(features: test.table.features(ofRow: row), attributes: test.attributes[row])
                let local = try expected[test.attributeKey(ofRow: row)]!.model.model.predict(test.table.features(ofRow: row))
                #expect(served.probabilities == local)
            }
        }
    }

    @Test("a task whose level sits apart is shifted to it: the shift travels to the task unit, the models are the in-process ones")
    func levelShift() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "level")
            // One task answers a class warmer than its function (cooler → no change → warmer), training rows only.
            let round = data.scenario.rounds[0]
            let raised = try #require(round.newTasks.sorted().first)
            let train = try ScenarioSamples.raising(raised, in: round.train)
            let shifts = try InProcessTraining.levelShifts(train)
            try #require(shifts[raised].map { !$0.isEmpty } == true, "the round chose no level: \(shifts)")
            try await env.add(data.samples(round: 0, raising: raised))
            let finished = try #require(try await env.train(data.request(base: 0)).last)
            #expect(finished.state == .completed && finished.snapshotVersion == 1)
            let (_, index) = try await env.index(version: 1, job: "level")
            let expected = try InProcessTraining.models(train)
            for task in round.newTasks {
                #expect(try #require(index.assignment(of: task)?.model) == expected[task]!.digest, "task \(task)")
            }
        }
    }

    @Test("a second round trains only the new and changed tasks and keeps the others bit for bit")
    func secondRound() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "rounds")
            try await env.add(data.samples(round: 0))
            #expect(try await env.train(data.request(base: 0)).last?.snapshotVersion == 1)
            try await env.add(data.samples(round: 1))
            // Any retrained model passes (this test is about what is trained, not the gate).
            let events = try await env.train(data.request(base: 1) { $0.minImprovement = -1 })
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 2)
            let run = try await env.run(finished.runId)
            let round = data.scenario.rounds[1]
            #expect(Set(run.createdTasks) == Set(round.newTasks))
            #expect(Set(run.retrainedTasks) == Set(round.updatedTasks))
            let untouched = Set(data.scenario.rounds[0].newTasks).subtracting(round.updatedTasks)
            #expect(Set(run.keptTasks) == untouched)

            let (before, _) = try await env.index(version: 1, job: "rounds")
            let (after, index) = try await env.index(version: 2, job: "rounds")
            #expect(after.baseVersion == 1)
            for task in untouched {
                #expect(after.tasks.first { $0.name == task } == before.tasks.first { $0.name == task })
                #expect(after.assignments.first { $0.taskName == task } == before.assignments.first { $0.taskName == task })
            }
            for task in round.updatedTasks {
                #expect(after.assignments.first { $0.taskName == task }?.model != before.assignments.first { $0.taskName == task }?.model)
            }
            #expect(index.tasks.count == untouched.count + round.newTasks.count + round.updatedTasks.count)
            // More samples of the same functions: nothing is retired.
            #expect(after.tasks.allSatisfy { $0.retiredThroughSequence == 0 })
        }
    }

    @Test("a known task whose function changed: its earlier samples are retired, in this run and the next, and Evaluate leaves them out")
    func driftRetiresEarlierSamples() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "drift")
            try await env.add(data.samples(round: 0))
            #expect(try await env.train(data.request(base: 0)).last?.snapshotVersion == 1)
            let (first, _) = try await env.index(version: 1, job: "drift")
            // Round 1: the known task's preferences turn around (cooler <-> warmer), training and eval rows alike.
            let round = data.scenario.rounds[1]
            let drifted = try #require(round.updatedTasks.first)
            try await env.add(data.samples(round: 1, turningAround: drifted))
            let finished = try #require(try await env.train(data.request(base: 1) { $0.minImprovement = -1 }).last)
            #expect(finished.state == .completed && finished.snapshotVersion == 2)
            let run = try await env.run(finished.runId)
            let outcome = try #require(run.tasks.first { $0.taskName == drifted })
            #expect(outcome.trainSamples == Int64(data.scenario.parameters.knownTaskSamplesPerRound), "only the new rows train")
            let (second, _) = try await env.index(version: 2, job: "drift")
            let record = try #require(second.tasks.first { $0.name == drifted })
            #expect(record.retiredThroughSequence > 0)
            #expect(second.tasks.filter { $0.name != drifted }.allSatisfy { $0.retiredThroughSequence == 0 })
            #expect(first.tasks.allSatisfy { $0.retiredThroughSequence == 0 })

            // Evaluate scores the task on its eval samples after the cut-off only.
            var evaluate = Lifelong_V1_EvaluateRequest()
            evaluate.jobId = "drift"
            let evaluation = try await env.training.evaluate(evaluate)
            let entry = try #require(evaluation.tasks.first { $0.taskName == drifted })
            #expect(entry.sampleCount == Int64(data.scenario.parameters.testSamplesPerTask))

            // The next run that trains the task again keeps the earlier samples out and the cut-off in the record.
            var onlyDrifted = data.request(base: 2) { $0.minImprovement = -1 }
            onlyDrifted.taskNames = [drifted]
            let again = try #require(try await env.train(onlyDrifted).last)
            #expect(again.state == .completed)
            let rerun = try await env.run(again.runId)
            #expect(rerun.tasks.first { $0.taskName == drifted }?.trainSamples == outcome.trainSamples)
            let (third, _) = try await env.index(version: again.snapshotVersion, job: "drift")
            #expect(third.tasks.first { $0.name == drifted }?.retiredThroughSequence == record.retiredThroughSequence)
        }
    }

    @Test("a version published by someone else meanwhile: the run publishes on top of it, keeping what it holds")
    func rebasesOnNewerVersion() async throws {
        var options = TrainingFixture.Options()
        options.workers = false
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "rebase")
            let worker = Task { await env.instances[0].worker.work() }
            try await env.add(data.samples(round: 0))
            #expect(try await env.train(data.request(base: 0)).last?.snapshotVersion == 1)
            worker.cancel()
            await worker.value
            try await env.add(data.samples(round: 1))
            let started = try await env.training.startTraining(data.request(base: 1) { $0.minImprovement = -1 })
            // Another publisher makes version 2 first: version 1 without its last task.
            var (other, _) = try await env.index(version: 1, job: "rebase")
            let dropped = try #require(other.tasks.last?.name)
            other.tasks.removeLast()
            other.assignments.removeAll { $0.taskName == dropped }
            other.allocator?.routes.removeAll { $0.taskName == dropped }
            for group in other.groups.indices { other.groups[group].tasks.removeAll { $0 == dropped } }
            other.groups.removeAll { $0.tasks.isEmpty }
            other.relations.removeAll { $0.fromTask == dropped || $0.toTask == dropped }
            for detector in other.detectors.indices { other.detectors[detector].distances.removeAll { $0.taskName == dropped } }
            other.version = 0
            other.baseVersion = 1
            other.note = "another publisher"
            var publish = Lifelong_V1_PublishSnapshotRequest()
            publish.snapshot = other
            #expect(try await env.kb.publishSnapshot(publish).version == 2)
            let resumed = Task { await env.instances[0].worker.work() }
            defer { resumed.cancel() }
            let finished = try #require(try await env.events(of: started.id).last)
            #expect(finished.state == .completed && finished.snapshotVersion == 3)
            let (v2, _) = try await env.index(version: 2, job: "rebase")
            let (v3, _) = try await env.index(version: 3, job: "rebase")
            #expect(v3.baseVersion == 2)
            let round = data.scenario.rounds[1]
            #expect(Set(v3.tasks.map(\.name)) == Set(v2.tasks.map(\.name)).union(round.newTasks))
            for task in v2.tasks where !round.updatedTasks.contains(task.name) {
                #expect(v3.tasks.first { $0.name == task.name } == task)
            }
        }
    }

    @Test("the gate rejects a deliberately worse model: it is stored and reported, the deployed one stays")
    func gateRejectsWorseModel() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "gate")
            try await env.add(data.samples(round: 0))
            #expect(try await env.train(data.request(base: 0)).last?.snapshotVersion == 1)
            // Three relabelled copies of one task's training rows: its new model learns wrong classes.
            let task = data.scenario.rounds[0].newTasks[0]
            let poisoned = (0..<3).flatMap { copy in
                data.samples(round: 0, relabel: { ($0 + 1) % 3 }, keyPrefix: "bad\(copy)-").filter {
                    $0.kind == .train && $0.attributes.map(\.value).joined(separator: "_") == task
                }
            }
            try await env.add(poisoned)
            let events = try await env.train(data.request(base: 1))
            let finished = try #require(events.last)
            #expect(finished.state == .completed && finished.snapshotVersion == 0)
            #expect(finished.message == "completed: nothing published; 1 task model(s) rejected by the gate")
            #expect(events.contains { $0.kind == .rejected && $0.taskName == task })
            let run = try await env.run(finished.runId)
            #expect(run.rejectedTasks == [task])
            #expect(run.publishedVersion == 0)
            let outcome = try #require(run.tasks.first { $0.taskName == task })
            #expect(outcome.accuracy < outcome.deployedAccuracy)
            #expect(outcome.reason.contains("deployed"))
            let stored = try await env.modelBytes(try #require(outcome.model?.sha256))
            #expect(!stored.isEmpty)
            var latest = Lifelong_V1_GetSnapshotRequest()
            latest.jobId = "gate"
            #expect(try await env.kb.getSnapshot(latest).version == 1)
        }
    }
}
