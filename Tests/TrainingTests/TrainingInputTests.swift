import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

@Suite("Training: bad input and an unreachable knowledge base")
struct TrainingInputTests {
    @Test("invalid parameters and plans are INVALID_ARGUMENT naming the field; unknown version or task NOT_FOUND")
    func badInput() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "bad")
            try await env.add(data.samples(round: 0))
            let cases: [(Lifelong_V1_TrainRequest, RPCError.Code, String)] = [
                (data.request(base: 0) { $0.parameters?.maxDepth = 99 }, .invalidArgument, "spec.parameters.max_depth"),
                (data.request(base: 0) { $0.parameters?.learningRate = 2 }, .invalidArgument, "spec.parameters.learning_rate"),
                (data.request(base: 0) { $0.schema = nil }, .invalidArgument, "spec.schema"),
                (data.request(base: 0) { $0.schema?.classes = ["one"] }, .invalidArgument, "spec.schema.classes"),
                (data.request(base: 0) { $0.trainFraction = 1.5 }, .invalidArgument, "spec.train_fraction"),
                (data.request(base: 0) { $0.taskDefinition = .clustering; $0.minClusters = 5; $0.maxClusters = 3 }, .invalidArgument, "spec.max_clusters"),
                (data.request(base: 7), .notFound, "base_version"),
            ]
            for (request, code, field) in cases {
                let status = await statusCode { _ = try await env.training.startTraining(request) }
                #expect(status?.0 == code, "\(field)")
                #expect(status?.1.contains(field) == true, "\(status?.1 ?? "") names \(field)")
            }
            var unknownTask = data.request(base: 0)
            unknownTask.taskNames = ["no-such-site_summer"]
            let status = await statusCode { _ = try await env.training.startTraining(unknownTask) }
            #expect(status?.0 == .notFound)
            #expect(status?.1.contains("task_names[0]") == true)
            var unknownRun = Lifelong_V1_GetTrainingRequest()
            unknownRun.id = "nope"
            #expect(await statusCode { _ = try await env.training.getTraining(unknownRun) }?.0 == .notFound)
        }
    }

    @Test("StartTraining is idempotent by request id; a task with too few samples is reported and the run goes on")
    func idempotentAndTooFewSamples() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "small")
            var samples = data.samples(round: 0)
            // A fourth site with only five training rows (and eval rows).
            let tiny = samples.filter { $0.kind == .train }.prefix(5).map { sample in
                var copy = sample
                copy.key = "tiny-" + sample.key
                copy.attributes[0].value = "site-09"
                return copy
            }
            samples += tiny
            try await env.add(samples)
            let first = try await env.training.startTraining(data.request(base: 0, requestID: "round-1"))
            let again = try await env.training.startTraining(data.request(base: 0, requestID: "round-1"))
            #expect(first.id == again.id)
            let other = await statusCode { _ = try await env.training.startTraining(data.request(base: 0, requestID: "round-1") { $0.minAccuracy = 0.5 }) }
            #expect(other?.0 == .failedPrecondition)
            let events = try await env.events(of: first.id)
            #expect(events.last?.state == .completed)
            let skipped = try #require(events.first { $0.kind == .skipped })
            #expect(skipped.taskName == "site-09_summer" && skipped.message.contains("too few samples"))
            let run = try await env.run(first.id)
            #expect(run.skippedTasks == ["site-09_summer"])
            #expect(run.createdTasks.count == 3 && run.publishedVersion == 1)

            // A second run of the job; ListTrainings pages through both, newest first.
            let second = try await env.training.startTraining(data.request(base: 1))
            #expect(try await env.events(of: second.id).last?.state == .completed)
            var list = Lifelong_V1_ListTrainingsRequest()
            list.jobId = "small"
            #expect(try await env.training.listTrainings(list).runs.map(\.id) == [second.id, first.id])
            list.limit = 1
            #expect(try await env.training.listTrainings(list).runs.map(\.id) == [second.id])
            list.beforeId = second.id
            #expect(try await env.training.listTrainings(list).runs.map(\.id) == [first.id])
            list.jobId = "another-job"
            #expect(try await env.training.listTrainings(list).runs.isEmpty)
        }
    }

    @Test("samples that do not fit the request's schema fail the run once (no retry), naming the field")
    func samplesMisfitSchema() async throws {
        try await TrainingFixture.withEnvironment { env in
            let data = try ScenarioSamples(job: "misfit")
            try await env.add(data.samples(round: 0))
            let request = data.request(base: 0) { spec in
                var extra = Lifelong_V1_FeatureColumn()
                extra.name = "extra"
                extra.kind = .numeric
                spec.schema?.columns.append(extra)
            }
            let started = try await env.training.startTraining(request)
            let events = try await env.events(of: started.id)
            let end = try #require(events.last)
            #expect(end.kind == .finished && end.state == .failed)
            #expect(end.message.contains(".features"))
            let run = try await env.run(started.id)
            #expect(run.state == .failed && run.error.contains("features"))
            let plan = try #require(try await env.instances[0].queue.run(started.id)?.units.first { $0.name == "plan" })
            #expect(plan.state == .failed && plan.attempts == 1)
        }
    }

    @Test("with the knowledge base unreachable the run waits and retries, visibly")
    func knowledgeBaseUnreachable() async throws {
        var options = TrainingFixture.Options()
        options.kbPort = 1
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "offline")
            let started = try await env.training.startTraining(data.request(base: 0))
            var request = Lifelong_V1_GetTrainingRequest()
            request.id = started.id
            let waits = try await env.training.watchTraining(request) { response in
                var waits = 0
                for try await event in response.messages where event.kind == .waiting {
                    #expect(event.message.contains("knowledge base unreachable"))
                    waits += 1
                    if waits == 2 { break }
                }
                return waits
            }
            #expect(waits == 2)
            #expect(try await env.run(started.id).state == .running)
            #expect(try await env.training.cancelTraining(request).state == .cancelled)
        }
    }
}
