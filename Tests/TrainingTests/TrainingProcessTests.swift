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
            ] + TestServiceHost.authArguments)
        transport = HTTP2ClientTransport(host: "127.0.0.1", port: child.port)
        client = Lifelong_V1_Training.Client(
            wrapping: RPCClient(transport: transport.authenticated(with: TestServiceHost.token(.service))))
    }

    /// Starts a run slow enough to be interrupted, and waits until this instance holds one of
    /// its units.
    /// - Returns: The run's id and the unit held.
    func startSlowRun(_ data: ScenarioSamples, env: TrainingEnvironment, worker: String) async throws -> (run: String, unit: String) {
        let started = try await client.startTraining(data.request(base: 0) {
            $0.parameters?.rounds = 400
            $0.parameters?.maxDepth = 6
        })
        let held: String? = try await env.withQueue { queue -> String? in
            for _ in 0..<2_000 {
                let units = try await queue.run(started.id)?.units ?? []
                if let unit = units.first(where: { $0.state == .running && $0.workerID == worker }) { return unit.name }
                try await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }
        return (started.id, try #require(held, "\(worker) claimed a unit"))
    }

    /// Every event of a run until the one that ends it.
    func events(of run: String) async throws -> [Lifelong_V1_JobProgressEvent] {
        var request = Lifelong_V1_GetTrainingRequest()
        request.id = run
        return try await client.watchTraining(request) { response in
            var events: [Lifelong_V1_JobProgressEvent] = []
            for try await event in response.messages { events.append(event) }
            return events
        }
    }

    /// SIGTERM (or `kill -9`), and the client closed.
    func stop(killing: Bool = false) async {
        if killing { await child.kill() } else { await child.stop() }
        await transport.close()
    }
}

@Suite("lifelong-training processes")
struct TrainingProcessTests {
    static var options: TrainingFixture.Options {
        var options = TrainingFixture.Options()
        options.instances = 0
        return options
    }

    @Test("kill -9 of an instance mid-run: the other finishes it, each task is published once, no partial snapshot")
    func killedInstanceMidRun() async throws {
        try await TrainingFixture.withEnvironment(Self.options) { env in
            let data = try ScenarioSamples(job: "killed")
            try await env.add(data.samples(round: 0))
            let first = try await TrainingProcess(env: env, worker: "first", leaseSeconds: 2)
            let (run, _) = try await first.startSlowRun(data, env: env, worker: "first")
            let second = try await TrainingProcess(env: env, worker: "second", leaseSeconds: 2)
            await first.stop(killing: true)

            let events = try await second.events(of: run)
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
            let units = try await env.withQueue { try await $0.run(run)?.units } ?? []
            #expect(!units.isEmpty && units.allSatisfy { $0.state == .completed })
            await second.stop()
        }
    }

    @Test("SIGTERM mid-unit: the instance gives the unit back uncounted and exits; another takes it at once")
    func shutdownReleasesUnit() async throws {
        try await TrainingFixture.withEnvironment(Self.options) { env in
            let data = try ScenarioSamples(job: "sigterm")
            try await env.add(data.samples(round: 0))
            // A long lease: only the release, not expiry, can free the unit within the test.
            let first = try await TrainingProcess(env: env, worker: "first", leaseSeconds: 600)
            let (run, name) = try await first.startSlowRun(data, env: env, worker: "first")
            await first.stop()
            #expect(await first.child.exitStatus() == 0)
            let unit = try await env.withQueue { try await $0.run(run)?.units.first { $0.name == name } }
            #expect(unit?.state == .available)
            #expect(unit?.attempts == 0)

            let second = try await TrainingProcess(env: env, worker: "second", leaseSeconds: 600)
            #expect(try await second.events(of: run).last?.state == .completed)
            await second.stop()
        }
    }
}
