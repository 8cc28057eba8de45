import HTTP2Transport
import KnowledgeBase
import KnowledgeBaseTestSupport
import LifelongProto
import Logging
import PostgresClient
import PostgresTestSupport
import RPCCore
import ServiceHost
import ServiceHostTesting
import Synchronization
import Testing

/// The knowledge base hosted the way `lifelong-kb` hosts it (ServiceHost: interceptors, pool
/// and listener as services, dependency health), in-process on port 0 over real HTTP/2, in a
/// throwaway schema.
@Suite("Knowledge base, hosted")
struct HostedKnowledgeBaseTests {
    /// Runs a hosted knowledge base with a pool of `connections`.
    static func withHostedKB<T: Sendable>(
        connections: Int = 4, serverConfiguration: HTTP2ServerConfiguration = .init(),
        configure: (inout KnowledgeBaseConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (KnowledgeBase, TestServiceHost.Running) async throws -> T
    ) async throws -> T {
        try await HostedKnowledgeBase.withRunning(
            connection: KnowledgeBaseFixture.connection, connections: connections, serverConfiguration: serverConfiguration,
            configure: configure, body)
    }

    @Test("graceful shutdown under load: callers see OK, then UNAVAILABLE, never a closed pool; health says NOT_SERVING first")
    func gracefulShutdownUnderLoad() async throws {
        let events = Locked<[String]>([])
        let outcomes = Locked<[String: Int]>([:])
        try await Self.withHostedKB { kb, running in
            let client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: running.transport))
            _ = try await client.publishSnapshot(Make.snapshot(job: "drain", base: 0, tasks: [Make.task("t", mean: [1])]))
            let watch = running.watchHealth { status in events.update { $0.append("health \(status)") } }
            #expect(try await ProcessFaultTests.eventually { events.value == ["health serving"] })
            let callers = (0..<4).map { _ in
                Task {
                    var request = Lifelong_V1_ListVersionsRequest()
                    request.jobId = "drain"
                    while true {
                        do {
                            _ = try await client.listVersions(request)
                            outcomes.update { $0["OK", default: 0] += 1 }
                        } catch let error as RPCError {
                            // The server going away, not the database: a closed pool would say so.
                            let fromServer = error.code == .unavailable && !error.message.contains("database")
                                && !error.message.contains("pool")
                            let key = fromServer ? "UNAVAILABLE" : "\(error.code): \(error.message)"
                            outcomes.update { $0[key, default: 0] += 1 }
                            if fromServer {
                                events.update { $0.append("caller unavailable") }
                                return
                            }
                        } catch {
                            outcomes.update { $0["\(error)", default: 0] += 1 }
                            return
                        }
                    }
                }
            }
            #expect(try await ProcessFaultTests.eventually { outcomes.value["OK", default: 0] >= 50 })
            await running.application.triggerGracefulShutdown()
            for caller in callers { await caller.value }
            try await watch.value
            _ = kb
        }
        let seen = outcomes.value
        #expect(Set(seen.keys) == ["OK", "UNAVAILABLE"], "unexpected outcomes: \(seen)")
        let log = events.value
        let notServing = try #require(log.firstIndex(of: "health notServing"))
        let firstUnavailable = try #require(log.firstIndex(of: "caller unavailable"))
        #expect(notServing < firstUnavailable, "\(log)")
    }

    @Test("health answers SERVING at once while every pooled connection is busy (the probe has a connection of its own)")
    func healthDoesNotWaitForThePool() async throws {
        try await Self.withHostedKB(connections: 1) { kb, running in
            let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: running.transport))
            // Hold the only pooled connection for a while.
            let busy = Task { try await kb.pool.execute("select pg_sleep(3)") }
            #expect(try await ProcessFaultTests.eventually { kb.pool.statistics.idle == 0 && kb.pool.statistics.workers == 1 })
            var request = Grpc_Health_V1_HealthCheckRequest()
            request.service = Lifelong_V1_KnowledgeBase.descriptor.fullyQualifiedService
            // A deadline far below the 3 s the pool is held: an answer that waited for the
            // pool would fail with DEADLINE_EXCEEDED.
            let answer = try await health.check(request, options: CallOptions(timeout: .milliseconds(1500)))
            #expect(answer.status == .serving)
            #expect(kb.pool.statistics.idle == 0)
            _ = try await busy.value
        }
    }
}
