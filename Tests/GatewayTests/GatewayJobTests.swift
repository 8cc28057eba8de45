import Foundation
import LifelongProto
import RPCCore
import Testing

/// Jobs through a running gateway: the calls, bad input, and a failed stage retried.
@Suite("Gateway jobs", .serialized)
struct GatewayJobTests {
    static func request(_ job: String) -> Lifelong_V1_GetJobRequest {
        var request = Lifelong_V1_GetJobRequest()
        request.jobId = job
        return request
    }

    static func expectStatus(_ code: RPCError.Code, naming field: String, _ call: () async throws -> Void) async {
        do {
            try await call()
            Issue.record("expected \(code) naming \(field)")
        } catch let error as RPCError {
            #expect(error.code == code, "\(error)")
            #expect(error.message.contains(field), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("create, get, list, pause, resume, trigger and delete; bad input names its field")
    func calls() async throws {
        let scenario = try LoopScenario(job: "calls")
        try await LoopStack.with(job: "calls", edges: 0) { stack in
            let gateway = stack.gateway
            let created = try await gateway.createJob(scenario.spec(threshold: 1_000))
            #expect(created.id == "calls" && created.stage == .train && created.state == .waiting)
            #expect(try await gateway.getJob(Self.request("calls")).spec == created.spec)
            #expect(try await gateway.listJobs(Lifelong_V1_ListJobsRequest()).jobs.map(\.id) == ["calls"])
            await Self.expectStatus(.alreadyExists, naming: "spec.name") { _ = try await gateway.createJob(scenario.spec(threshold: 1)) }

            var spec = scenario.spec(threshold: 1)
            spec.name = "bad name"
            await Self.expectStatus(.invalidArgument, naming: "spec.name") { _ = try await gateway.createJob(spec) }
            spec = scenario.spec(threshold: 1)
            spec.name = "other"
            spec.schema = nil
            await Self.expectStatus(.invalidArgument, naming: "spec.schema") { _ = try await gateway.createJob(spec) }
            spec = scenario.spec(threshold: 1)
            spec.name = "other"
            spec.trigger?.windowStart = "22:00"
            await Self.expectStatus(.invalidArgument, naming: "spec.trigger.window_start") { _ = try await gateway.createJob(spec) }
            spec = scenario.spec(threshold: 1)
            spec.name = "other"
            spec.egress = Lifelong_V1_EgressPolicy()
            spec.egress?.maxTransferRatio = 2
            await Self.expectStatus(.invalidArgument, naming: "spec.egress.max_transfer_ratio") { _ = try await gateway.createJob(spec) }
            await Self.expectStatus(.notFound, naming: "job_id") { _ = try await gateway.getJob(Self.request("absent")) }

            // Samples: the schema's width, a class of the job, one job per stream, no unseen kind.
            var wide = scenario.initialTrain[0]
            wide.features.append(1)
            await Self.expectStatus(.invalidArgument, naming: "samples[0].features") { _ = try await Loop.ingest([wide], gateway: gateway) }
            var unlabelled = scenario.initialTrain[0]
            unlabelled.label = nil
            await Self.expectStatus(.invalidArgument, naming: "samples[0].label") { _ = try await Loop.ingest([unlabelled], gateway: gateway) }
            var unseen = scenario.initialTrain[0]
            unseen.kind = .unseen
            await Self.expectStatus(.invalidArgument, naming: "samples[0].kind") { _ = try await Loop.ingest([unseen], gateway: gateway) }
            var elsewhere = scenario.initialTrain[1]
            elsewhere.jobId = "absent"
            await Self.expectStatus(.notFound, naming: "absent") { _ = try await Loop.ingest([elsewhere], gateway: gateway) }
            let stored = try await Loop.ingest(Array(scenario.initialTrain.prefix(10)), gateway: gateway)
            #expect(stored.inserted == 10)
            let again = try await Loop.ingest(Array(scenario.initialTrain.prefix(10)), gateway: gateway)
            #expect(again.inserted == 0 && again.duplicates == 10, "ingest is idempotent by key")
            #expect(try await gateway.getJob(Self.request("calls")).pendingSamples == 10)

            let paused = try await gateway.pauseJob(Self.request("calls"))
            #expect(paused.paused)
            await Self.expectStatus(.failedPrecondition, naming: "paused") { _ = try await gateway.triggerTraining(Self.request("calls")) }
            #expect(!(try await gateway.resumeJob(Self.request("calls"))).paused)
            let deleted = try await gateway.deleteJob(Self.request("calls"))
            #expect(deleted.job?.id == "calls")
            await Self.expectStatus(.notFound, naming: "job_id") { _ = try await gateway.getJob(Self.request("calls")) }
        }
    }

    @Test("a round that finds training unreachable fails visibly, is retried with backoff, and completes")
    func retried() async throws {
        let scenario = try LoopScenario(job: "retried")
        try await LoopStack.with(job: "retried", edges: 0) { stack in
            let gateway = stack.gateway
            _ = try await gateway.createJob(scenario.spec(threshold: 10))
            await stack.kill("lifelong-training")
            let watched = Task {
                try await gateway.watchJob(Self.request("retried")) { events in
                    var seen: [Lifelong_V1_JobProgressEvent] = []
                    for try await event in events.messages {
                        seen.append(event)
                        if event.kind == .failed { return seen }
                    }
                    return seen
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            _ = try await Loop.ingest(scenario.initialTrain, gateway: gateway)
            let failed = try await Eventually.value("the failed round", timeout: .seconds(60)) { () -> Lifelong_V1_Job? in
                let job = try await gateway.getJob(Self.request("retried"))
                return job.state == .failed ? job : nil
            }
            #expect(failed.lastError.contains("UNAVAILABLE") || failed.lastError.contains("unavailable"), "\(failed.lastError)")
            #expect(failed.retryAtUs > 0 && failed.failedAttempts >= 1)
            let events = try await watched.value
            #expect(events.contains { $0.state == .starting }, "the start is an event")
            #expect(events.last?.message.contains("retrying in") == true, "\(events.last?.message ?? "")")

            try await stack.restart("lifelong-training")
            let job = try await Loop.waitForRounds(1, job: "retried", gateway: gateway, allowingFailures: true)
            #expect(job.deployedVersion > 0 && job.failedAttempts == 0 && job.lastError.isEmpty)
        }
    }
}
