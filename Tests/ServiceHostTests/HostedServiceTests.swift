import Foundation
import HTTP2Transport
import LifelongProto
import LifelongTestProto
import Logging
import RPCCore
@testable import ServiceHost
import ServiceHostTesting
import Testing

@Suite("A service hosted the shared way, over real HTTP/2")
struct HostedServiceTests {
    @Test("metrics: the standard series are present and count, as prometheus-client's parser reads them")
    func metrics() async throws {
        try await TestServiceHost.withRunning(services: [ProbeServiceForTests()]) { (running: TestServiceHost.Running) async throws in
            let client = Lifelong_Testing_V1_ProbeService.Client(wrapping: RPCClient(transport: running.transport))
            for index in 0..<3 { _ = try await client.echo(Lifelong_Testing_V1_Leaf("ok", Int32(index))) }
            await #expect(throws: RPCError.self) { try await client.echo(Lifelong_Testing_V1_Leaf("fail")) }
            let streamed = try await client.expand(Lifelong_Testing_V1_Leaf("s", 4)) { response in
                var count = 0
                for try await _ in response.messages { count += 1 }
                return count
            }
            #expect(streamed == 4)

            let scrape = try await PythonTools.scrape(port: try #require(running.metricsPort))
            #expect(scrape.status == 200)
            #expect(scrape.content_type?.hasPrefix("text/plain; version=0.0.4") == true)
            let echo = ["grpc_service": "lifelong.testing.v1.ProbeService", "grpc_method": "Echo"]
            #expect(scrape.value("grpc_server_started_total", echo) == 4)
            #expect(scrape.value("grpc_server_handled_total", echo.merging(["grpc_code": "OK"]) { $1 }) == 3)
            #expect(scrape.value("grpc_server_handled_total", echo.merging(["grpc_code": "INVALID_ARGUMENT"]) { $1 }) == 1)
            #expect(scrape.value("grpc_server_handling_seconds_count", echo) == 4)
            let expand = ["grpc_method": "Expand"]
            #expect(scrape.value("grpc_server_handled_total", expand.merging(["grpc_code": "OK"]) { $1 }) == 1)
            #expect(scrape.value("grpc_server_in_flight") == 0)
            // The scrape's own connection is not a gRPC one: ours is the client's, still open.
            #expect(scrape.value("grpc_server_connections_open") == 1)
            #expect(try #require(scrape.value("grpc_server_connections_total")) >= 1)
            #expect(try #require(scrape.value("grpc_server_received_bytes_total")) > 200)
            #expect(try #require(scrape.value("grpc_server_sent_bytes_total")) > 200)
            #expect(try #require(scrape.value("process_resident_memory_bytes")) > 1_000_000)
            #expect(try #require(scrape.value("process_open_fds")) > 3)
            #expect(try #require(scrape.value("process_cpu_seconds_total")) > 0)

            let missing = try await PythonTools.scrape(port: try #require(running.metricsPort), path: "/other")
            #expect(missing.status == 404)
        }
    }

    @Test("health follows a dependency: NOT_SERVING while it is down, SERVING again when it is back")
    func healthFollowsDependency() async throws {
        let reachable = Locked(true)
        let probe = DependencyProbe(name: "fake-db") { reachable.value }
        try await TestServiceHost.withRunning(services: [ProbeServiceForTests()], dependencies: [probe]) { (running: TestServiceHost.Running) async throws in
            let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: running.transport))
            func status(_ service: String) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
                var request = Grpc_Health_V1_HealthCheckRequest()
                request.service = service
                return try await health.check(request).status
            }
            #expect(try await status("") == .serving)
            reachable.update { $0 = false }
            #expect(try await Self.eventually { try await status("lifelong.testing.v1.ProbeService") == .notServing })
            #expect(try await status("") == .notServing)
            reachable.update { $0 = true }
            #expect(try await Self.eventually { try await status("") == .serving })
        }
    }

    @Test("graceful shutdown: health turns NOT_SERVING first, a call in flight finishes OK, later calls get UNAVAILABLE")
    func gracefulShutdown() async throws {
        let events = Locked<[String]>([])
        var options = TestServiceHost.options
        options.shutdownGrace = 5
        try await TestServiceHost.withRunning(services: [ProbeServiceForTests()], options: options) { (running: TestServiceHost.Running) async throws in
            let client = Lifelong_Testing_V1_ProbeService.Client(wrapping: RPCClient(transport: running.transport))
            let watch = running.watchHealth { status in events.update { $0.append("health \(status)") } }
            #expect(try await Self.eventually { events.value == ["health serving"] })
            // In flight when the shutdown starts; finishes well within the 5 s grace period.
            let inFlight = Task { try await client.echo(Lifelong_Testing_V1_Leaf("slow", 300)) }
            try await Task.sleep(for: .milliseconds(100))
            await running.application.triggerGracefulShutdown()
            try await watch.value
            #expect(try await inFlight.value == Lifelong_Testing_V1_Leaf("slow", 300))
            // Until the final GOAWAY reaches the client a new call may still be served; after
            // it, calls are refused with UNAVAILABLE — and nothing else is ever seen.
            var refused: RPCError.Code?
            for _ in 0..<200 where refused == nil {
                do {
                    _ = try await client.echo(Lifelong_Testing_V1_Leaf("late"))
                    try await Task.sleep(for: .milliseconds(10))
                } catch let error as RPCError {
                    refused = error.code
                }
            }
            #expect(refused == .unavailable)
            #expect(events.value == ["health serving", "health notServing"])
        }
    }

    @Test("logs as JSON lines carry the message, level and dotted metadata keys")
    func jsonLogLine() throws {
        let line = JSONLogHandler.render(
            time: Date(), level: .warning, label: "test", message: "call failed", source: "test",
            metadata: ["rpc.method": "/a/B", "rpc.code": "INTERNAL"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "call failed")
        #expect(object["level"] as? String == "warning")
        #expect(object["rpc.method"] as? String == "/a/B")
        #expect(line.hasSuffix("}\n"))
    }

    /// Polls `condition` for up to 10 s.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
