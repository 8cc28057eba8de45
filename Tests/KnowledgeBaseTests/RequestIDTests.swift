import KnowledgeBase
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

/// Idempotent PublishSnapshot and RollbackSnapshot by `request_id`.
@Suite("Request ids: a retried publish or rollback gets its version back")
struct RequestIDTests {
    /// Lets the handler run (and commit) but loses its first reply of each listed method, as
    /// a connection that breaks right after the request was sent would.
    struct LoseFirstReply: ServerInterceptor {
        let methods: Set<String>
        let lost = Locked(Set<String>())

        func intercept(
            request: StreamingServerRequest<[UInt8]>, context: ServerContext,
            next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
        ) async throws -> StreamingServerResponse<[UInt8]> {
            let response = try await next(request, context)
            let method = context.method.method
            let lose = methods.contains(method) && lost.insert(method)
            guard lose else { return response }
            return StreamingServerResponse(metadata: response.metadata) { _ in
                _ = try await response.producer(RPCWriter { _ in })
                throw RPCError(code: .unavailable, message: "the connection broke before the reply arrived")
            }
        }

        func interceptUnary(
            request: [UInt8], context: ServerContext, next: @Sendable ([UInt8], ServerContext) async throws -> [UInt8]
        ) async throws -> [UInt8] {
            let reply = try await next(request, context)
            let method = context.method.method
            if methods.contains(method) && lost.insert(method) {
                throw RPCError(code: .unavailable, message: "the connection broke before the reply arrived")
            }
            return reply
        }
    }

    static func versions(_ kb: KnowledgeBaseFixture, job: String) async throws -> Int64 {
        try await kb.freshCount("select count(*) from snapshots where job_id = $1", [.text(job)])
    }

    @Test("a publish whose reply was lost, retried with its request_id: the same version, no new one")
    func lostPublishReply() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            var router = RPCRouter()
            router.register(kb.kb.service)
            let client = Lifelong_V1_KnowledgeBase.Client(
                wrapping: RPCClient(
                    transport: InProcessTransport(
                        router: router.intercepted(
                            by: [LoseFirstReply(methods: ["PublishSnapshot", "RollbackSnapshot"])] + kb.kb.interceptors))))
            var request = Make.snapshot(job: "idem", base: 0, tasks: [Make.task("a", mean: [1])])
            request.requestId = "publish-1"
            let lost = await statusCode { _ = try await client.publishSnapshot(request) }
            #expect(lost?.0 == .unavailable)
            // It was committed all the same.
            #expect(try await Self.versions(kb, job: "idem") == 1)
            // The retry (same id, same base 0, now stale) gets version 1 back, not ABORTED.
            let retried = try await client.publishSnapshot(request)
            #expect(retried.version == 1)
            let again = try await client.publishSnapshot(request)
            #expect(again == retried)
            #expect(try await Self.versions(kb, job: "idem") == 1)

            // The same id with other content is refused, naming request_id.
            var other = Make.snapshot(job: "idem", base: 1, tasks: [Make.task("b", mean: [1])])
            other.requestId = "publish-1"
            let reused = await statusCode { _ = try await client.publishSnapshot(other) }
            #expect(reused?.0 == .failedPrecondition)
            #expect(reused?.1.contains("request_id") == true, "\(String(describing: reused))")
            // Without an id, a stale base is ABORTED as before; a new id publishes.
            #expect(await statusCode { _ = try await client.publishSnapshot(Make.snapshot(job: "idem", base: 0, tasks: [])) }?.0 == .aborted)
            other.requestId = "publish-2"
            #expect(try await client.publishSnapshot(other).version == 2)

            // Rollback: reply lost, retried: one new version.
            var rollback = Lifelong_V1_RollbackSnapshotRequest()
            rollback.jobId = "idem"
            rollback.toVersion = 1
            rollback.baseVersion = 2
            rollback.requestId = "rollback-1"
            #expect(await statusCode { _ = try await client.rollbackSnapshot(rollback) }?.0 == .unavailable)
            #expect(try await Self.versions(kb, job: "idem") == 3)
            #expect(try await client.rollbackSnapshot(rollback).version == 3)
            #expect(try await Self.versions(kb, job: "idem") == 3)
            rollback.toVersion = 2
            rollback.baseVersion = 3
            #expect(await statusCode { _ = try await client.rollbackSnapshot(rollback) }?.0 == .failedPrecondition)
        }
    }

    @Test("request_id is validated: longer than the limit is INVALID_ARGUMENT naming request_id")
    func validation() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            var request = Make.snapshot(job: "idem", base: 0, tasks: [])
            request.requestId = String(repeating: "r", count: 129)
            let tooLong = await statusCode { _ = try await kb.client.publishSnapshot(request) }
            #expect(tooLong?.0 == .invalidArgument)
            #expect(tooLong?.1.contains("request_id") == true)
            request.requestId = String(repeating: "r", count: 128)
            #expect(try await kb.client.publishSnapshot(request).version == 1)
            #expect(try await kb.client.publishSnapshot(request).version == 1)
        }
    }
}

extension Locked where Value == Set<String> {
    /// Inserts `member`; whether it was new.
    func insert(_ member: String) -> Bool {
        var inserted = false
        update { inserted = $0.insert(member).inserted }
        return inserted
    }
}
