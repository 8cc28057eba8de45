import Foundation
import HTTP2Transport
import JobQueue
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

/// The built `lifelong-training` executable, as a child process.
struct TrainingProcess {
    let child: ServiceProcess
    let transport: HTTP2ClientTransport
    let client: Lifelong_V1_Training.Client

    init(env: TrainingEnvironment, worker: String, leaseSeconds: Int) async throws {
        let connection = TrainingFixture.connection
        let url = "postgresql://\(connection.user)@\(connection.host):\(connection.port)/\(connection.database ?? "postgres")"
        child = try await ServiceProcess(
            "lifelong-training",
            arguments: [
                "--postgres-url", url, "--schema", env.schema, "--kb-address", "127.0.0.1:\(env.kbPort)", "--worker-id", worker,
                "--lease-seconds", String(leaseSeconds), "--log-level", "warning",
            ])
        transport = HTTP2ClientTransport(host: "127.0.0.1", port: child.port)
        client = Lifelong_V1_Training.Client(wrapping: RPCClient(transport: transport))
    }
}

@Suite("lifelong-training processes")
struct TrainingProcessTests {
    @Test("kill -9 of an instance mid-run: the other finishes it, each task is published once, no partial snapshot")
    func killedInstanceMidRun() async throws {
        var options = TrainingFixture.Options()
        options.instances = 0
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "killed")
            try await env.add(data.samples(round: 0))
            let first = try await TrainingProcess(env: env, worker: "first", leaseSeconds: 2)
            // Enough rounds that the first instance is still training when it is killed.
            let started = try await first.client.startTraining(data.request(base: 0) {
                $0.parameters?.rounds = 400
                $0.parameters?.maxDepth = 6
            })
            let held: String? = try await env.withQueue { queue -> String? in
                for _ in 0..<2_000 {
                    if let unit = try await queue.run(started.id)?.units.first(where: { $0.state == .running && $0.workerID == "first" }) {
                        return unit.name
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return nil
            }
            #expect(held != nil, "the first instance claimed a unit")
            let second = try await TrainingProcess(env: env, worker: "second", leaseSeconds: 2)
            await first.child.kill()
            await first.transport.close()

            var request = Lifelong_V1_GetTrainingRequest()
            request.id = started.id
            let events = try await second.client.watchTraining(request) { response in
                var events: [Lifelong_V1_JobProgressEvent] = []
                for try await event in response.messages { events.append(event) }
                return events
            }
            #expect(events.last?.state == .completed)
            #expect(events.contains { $0.kind == .resumed && $0.message.contains("first") })
            let tasks = data.scenario.rounds[0].newTasks
            let published = events.filter { $0.kind == .published }.map(\.taskName)
            #expect(published.sorted() == tasks.sorted(), "each task published once")

            var versions = Lifelong_V1_ListVersionsRequest()
            versions.jobId = "killed"
            let listed = try await env.kb.listVersions(versions).versions
            #expect(listed.map(\.version) == [1])
            let (snapshot, _) = try await env.index(version: 1, job: "killed")
            #expect(Set(snapshot.tasks.map(\.name)) == Set(tasks))
            let run = try await env.withQueue { try await $0.run(started.id) }
            #expect(run?.units.allSatisfy { $0.state == .completed } == true)
            await second.child.stop()
            await second.transport.close()
        }
    }
}

extension TrainingProcessTests {
    @Test("SIGTERM mid-unit: the instance gives the unit back uncounted and exits; another takes it at once")
    func shutdownReleasesUnit() async throws {
        var options = TrainingFixture.Options()
        options.instances = 0
        try await TrainingFixture.withEnvironment(options) { env in
            let data = try ScenarioSamples(job: "sigterm")
            try await env.add(data.samples(round: 0))
            // A long lease: only the release, not expiry, can free the unit within the test.
            let first = try await TrainingProcess(env: env, worker: "first", leaseSeconds: 600)
            let started = try await first.client.startTraining(data.request(base: 0) {
                $0.parameters?.rounds = 400
                $0.parameters?.maxDepth = 6
            })
            let held: String? = try await env.withQueue { queue -> String? in
                for _ in 0..<2_000 {
                    if let unit = try await queue.run(started.id)?.units.first(where: { $0.state == .running }) { return unit.name }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return nil
            }
            let name = try #require(held)
            await first.child.stop()
            #expect(await first.child.exitStatus() == 0)
            await first.transport.close()
            let unit = try await env.withQueue { try await $0.run(started.id)?.units.first { $0.name == name } }
            #expect(unit?.state == .available)
            #expect(unit?.attempts == 0)

            let second = try await TrainingProcess(env: env, worker: "second", leaseSeconds: 600)
            var request = Lifelong_V1_GetTrainingRequest()
            request.id = started.id
            let events = try await second.client.watchTraining(request) { response in
                var events: [Lifelong_V1_JobProgressEvent] = []
                for try await event in response.messages { events.append(event) }
                return events
            }
            #expect(events.last?.state == .completed)
            await second.child.stop()
            await second.transport.close()
        }
    }
}
