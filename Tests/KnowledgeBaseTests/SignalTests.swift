import Foundation
import LifelongProto
import RPCCore
import Testing

@Suite("lifelong-kb signals")
struct SignalTests {
    @Test("SIGTERM drains (health turns NOT_SERVING, the call in flight keeps going); a second SIGTERM exits with status 1")
    func secondSignalForcesExit() async throws {
        let (url, schema, configuration) = ProcessFaultTests.sharedDatabase()
        let inspector = ProcessFaultTests.inspector(configuration, schema: schema)
        defer { inspector.close() }
        // A grace period far longer than the test: only the second signal can end it soon.
        let server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema, extraArguments: ["--shutdown-grace", "600"])
        _ = try await server.client.publishSnapshot(Make.snapshot(job: "signals", base: 0, tasks: [Make.task("t")]))
        let events = Locked<[String]>([])
        let client = server.client
        // A watch that stays open: in flight for the whole drain.
        let watch = Task {
            var request = Lifelong_V1_WatchSnapshotsRequest()
            request.jobId = "signals"
            try await client.watchSnapshots(request) { response in
                for try await _ in response.messages { events.update { $0.append("version") } }
            }
        }
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: server.transport))
        let healthWatch = Task {
            try await health.watch(Grpc_Health_V1_HealthCheckRequest()) { response in
                for try await message in response.messages {
                    events.update { $0.append("health \(message.status)") }
                    if message.status == .notServing { return }
                }
            }
        }
        #expect(try await ProcessFaultTests.eventually { events.value.contains("version") && events.value.contains("health serving") })

        server.signal(SIGTERM)
        // The first signal was handled: health says so, and the process keeps draining.
        try await healthWatch.value
        #expect(events.value.last == "health notServing")
        #expect(server.isRunning)

        server.signal(SIGTERM)
        let exited = try await ProcessFaultTests.eventually(timeout: .seconds(60)) { !server.isRunning }
        #expect(exited, "the second SIGTERM did not end the drain")
        watch.cancel()
        if exited {
            #expect(await server.exitStatus() == 1)
            await server.stop()
        } else {
            await server.kill()
        }
        await ProcessFaultTests.drop(schema, inspector)
    }
}
