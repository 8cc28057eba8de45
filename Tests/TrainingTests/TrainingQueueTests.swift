import JobQueue
import LifelongProto
import RPCCore
import ServiceHost
import ServiceHostTesting
import Testing
import Training

@Suite("Training runs on the shared queue: several instances, cancellation, restart")
struct TrainingQueueTests {
    @Test("two instances share one run's units: each unit is done once, by either instance")
    func twoInstancesShareARun() async throws {
        var options = TrainingFixture.Options()
        options.instances = 2
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "shared")
            try await env.add(data.samples(round: 0))
            let started = try await env.clients[1].startTraining(data.request(base: 0))
            let events = try await env.events(of: started.id, client: env.clients[0])
            #expect(events.last?.state == .completed)
            let run = try #require(try await env.instances[0].queue.run(started.id))
            #expect(run.units.count == 2 + data.scenario.rounds[0].newTasks.count)
            #expect(run.units.allSatisfy { $0.state == .completed && $0.attempts == 1 })
            #expect(Set(run.units.compactMap(\.workerID)) == ["worker-0", "worker-1"])
            #expect(events.filter { $0.kind == .published }.count == data.scenario.rounds[0].newTasks.count)
        }
    }

    @Test("boosting-round events are spaced: within the spacing a unit records the first round it reads and, before its next event, the newest")
    func boostingEventSpacing() async throws {
        /// The boosting-round events of each unit (the plan's under task "") of one run.
        func rounds(spacing: Duration) async throws -> [String: [Lifelong_V1_JobProgressEvent]] {
            var options = TrainingFixture.Options()
            options.boostingEventInterval = 1
            options.boostingEventSpacing = spacing
            return try await TrainingFixture.withEnvironment(options) { env in
                let data = try ScenarioSamples(job: "spacing")
                try await env.add(data.samples(round: 0))
                let events = try await env.train(data.request(base: 0))
                #expect(events.last?.state == .completed)
                var byUnit = Dictionary(grouping: events.filter { $0.kind == .boostingRound }, by: \.taskName)
                for task in data.scenario.rounds[0].newTasks {
                    if byUnit[task] == nil { byUnit[task] = [] }
                    // Recorded before the unit scores its model.
                    let evaluating = try #require(events.first { $0.kind == .evaluating && $0.taskName == task })
                    #expect(byUnit[task]!.allSatisfy { $0.sequence < evaluating.sequence })
                }
                return byUnit
            }
        }
        // Without spacing every reported round is recorded (up to the reporter's buffer of the
        // newest 64 when the writes fall behind): the prior alone reports one per round, and
        // every task unit reports its members' rounds.
        let every = try await rounds(spacing: .zero)
        #expect(every.values.allSatisfy { $0.count > 2 }, "\(every.mapValues(\.count))")
        // Spaced by an hour: per unit, the first round it reads and the newest at the end — for
        // the plan, the last round of its last training (the global model), as without spacing.
        let spaced = try await rounds(spacing: .seconds(3600))
        #expect(spaced.keys == every.keys)
        for (unit, events) in spaced {
            #expect(events.count == 2, "unit '\(unit)': \(events.map { "\($0.round)/\($0.rounds)" })")
        }
        let last = { (events: [Lifelong_V1_JobProgressEvent]?) in events?.last.map { "\($0.round)/\($0.rounds)" } }
        #expect(last(spaced[""]) == last(every[""]))
    }

    @Test("after CancelTraining returns, no boosting-round event is recorded and nothing is published")
    func cancellation() async throws {
        var options = TrainingFixture.Options()
        options.lease = .seconds(3)
        options.boostingEventInterval = 1
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "cancel")
            try await env.add(data.samples(round: 0))
            // Enough rounds that the run is still training when it is cancelled.
            let slow = data.request(base: 0) {
                $0.parameters?.rounds = 5_000
                $0.parameters?.maxDepth = 6
            }
            let started = try await env.training.startTraining(slow)
            var request = Lifelong_V1_GetTrainingRequest()
            request.id = started.id
            let firstRound = try await env.training.watchTraining(request) { response in
                for try await event in response.messages where event.kind == .boostingRound { return event.sequence }
                return Int64(0)
            }
            #expect(firstRound > 0)
            let cancelled = try await env.training.cancelTraining(request)
            #expect(cancelled.state == .cancelled)
            let events = try await env.events(of: started.id)
            let end = try #require(events.last)
            #expect(end.kind == .finished && end.state == .cancelled)

            // The one worker takes the next run only once it has let go of the cancelled one.
            let next = try ScenarioSamples(job: "after-cancel")
            try await env.add(next.samples(round: 0))
            #expect(try await env.train(next.request(base: 0)).last?.state == .completed)
            let after = try await env.events(of: started.id)
            #expect(after.last?.sequence == end.sequence, "no event after the cancellation")
            let run = try #require(try await env.instances[0].queue.run(started.id))
            #expect(run.state == .cancelled && run.units.allSatisfy { $0.state == .cancelled })
            var latest = Lifelong_V1_GetSnapshotRequest()
            latest.jobId = "cancel"
            let status = await statusCode { _ = try await env.kb.getSnapshot(latest) }
            #expect(status?.0 == .notFound)
            // Cancelling again is harmless; cancelling a completed run is refused.
            #expect(try await env.training.cancelTraining(request).state == .cancelled)
        }
    }

    @Test("a run interrupted by a worker that stopped renewing its lease is resumed by another, visibly, and counted in the queue's metrics")
    func restartResumesInterruptedRun() async throws {
        var options = TrainingFixture.Options()
        options.workers = false
        try await TrainingFixture.withEnvironment(options) { env in
            let metrics = HostMetrics()
            TrainingMetrics(training: env.instances[0], metrics: metrics).register()
            let before = String(decoding: metrics.render(), as: UTF8.self)
            for series in ["claims", "takeovers", "units_completed", "units_failed"] {
                #expect(before.contains("lifelong_training_\(series)_total 0"))
            }
            let data = try ScenarioSamples(job: "restart")
            try await env.add(data.samples(round: 0))
            let started = try await env.training.startTraining(data.request(base: 0))
            // A worker claims the first unit and dies: its lease (zero here) runs out.
            let crashed = try #require(try await env.instances[0].queue.claim(worker: "crashed", lease: .zero))
            #expect(crashed.name == "plan")
            let worker = Task { await env.instances[0].worker.work() }
            defer { worker.cancel() }
            let events = try await env.events(of: started.id)
            #expect(events.last?.state == .completed)
            let resumed = try #require(events.first { $0.kind == .resumed })
            #expect(resumed.message.contains("crashed"))
            let units = try #require(try await env.instances[0].queue.run(started.id)?.units)
            let plan = try #require(units.first { $0.name == "plan" })
            #expect(plan.attempts == 2 && plan.workerID == "worker-0")

            // The worker counts a unit after its commit, and the queue's depth at its next claim.
            let statistics = env.instances[0].statistics
            for _ in 0..<200 where statistics.snapshot.completed < units.count || statistics.snapshot.depth != QueueDepth() {
                try await Task.sleep(for: .milliseconds(25))
            }
            let after = String(decoding: metrics.render(), as: UTF8.self)
            #expect(after.contains("lifelong_training_claims_total \(units.count)"), "plan (taken over), each task, publish")
            #expect(after.contains("lifelong_training_takeovers_total 1"))
            #expect(after.contains("lifelong_training_units_completed_total \(units.count)"))
            #expect(after.contains("lifelong_training_units_failed_total 0"))
            #expect(after.contains("lifelong_training_queue_units{state=\"available\"} 0"))
            #expect(after.contains("lifelong_training_queue_units{state=\"running\"} 0"))
        }
    }
}
