import ContentDigest
import HTTP2Transport
import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore
import ServiceHostTesting
import Testing

/// Limits seen from a client over real HTTP/2: stalled uploads, and the largest snapshot.
@Suite("Knowledge base limits, hosted")
struct HostedLimitsTests {
    @Test("20 stalled PutModel uploads hold no connection: other calls keep working, the stalled ones end DEADLINE_EXCEEDED")
    func stalledUploads() async throws {
        let name = "kbstall_\(UInt32.random(in: 0...UInt32.max))"
        try await HostedKnowledgeBaseTests.withHostedKB(
            connections: 4,
            configure: {
                $0.limits.uploadIdleTimeout = .seconds(10)
                $0.postgres.connection.applicationName = name
            }
        ) { kb, running in
            let client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: running.transport))
            _ = try await client.publishSnapshot(Make.snapshot(job: "busy", base: 0, tasks: [Make.task("t")]))
            let stalledModel = Make.randomBytes(300_000, seed: 61)
            // Twenty uploads of one model send their first chunk, then nothing.
            let stalled = (0..<20).map { _ in
                Task {
                    await statusCode {
                        _ = try await client.putModel(options: CallOptions(timeout: .seconds(30))) { writer in
                            var chunk = Lifelong_V1_ModelChunk()
                            chunk.metadata = Make.modelMetadata(stalledModel)
                            chunk.data = Array(stalledModel[0..<100_000])
                            try await writer.write(chunk)
                            try await Task.sleep(for: .seconds(60))
                        }
                    }
                }
            }
            #expect(try await ProcessFaultTests.eventually { kb.uploadSpool.statistics.uploads == 20 })
            // While all twenty wait, none holds a session in a transaction, and calls are served.
            #expect(try await kb.pool.execute(
                "select count(*) from pg_stat_activity where application_name = $1 and state like 'idle in transaction%'",
                parameters: [.text(name)]
            ).int64(row: 0, column: 0) == 0)
            let deadline = CallOptions(timeout: .seconds(5))
            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "busy"
            #expect(try await client.listVersions(list, options: deadline).versions.count == 1)
            #expect(kb.uploadSpool.statistics.uploads == 20)
            // Meanwhile: reads, a whole upload of another model and of the same model, health
            // (on a loaded machine the stalled uploads may time out during these; nothing below
            // depends on their still waiting).
            for _ in 0..<2 { #expect(try await client.listVersions(list, options: deadline).versions.count == 1) }
            let other = Make.randomBytes(1_500_000, seed: 62)
            #expect(try await ModelTests.upload(client, other, options: deadline).deduplicated == false)
            #expect(try await ModelTests.upload(client, stalledModel, options: deadline).deduplicated == false)
            let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: running.transport))
            var check = Grpc_Health_V1_HealthCheckRequest()
            check.service = Lifelong_V1_KnowledgeBase.descriptor.fullyQualifiedService
            #expect(try await health.check(check, options: deadline).status == .serving)

            for upload in stalled {
                let outcome = await upload.value
                #expect(outcome?.0 == .deadlineExceeded, "\(String(describing: outcome))")
                #expect(outcome?.1.contains("uploadIdleTimeout") == true, "\(String(describing: outcome))")
            }
            #expect(try await ProcessFaultTests.eventually {
                kb.uploadSpool.statistics == .init(uploads: 0, reservedBytes: 0, spooledBytes: 0)
            })
            #expect(try await client.listVersions(list, options: deadline).versions.count == 1)
            #expect(try await health.check(check, options: deadline).status == .serving)
            let stored = try await kb.pool.execute("select count(*) from models").int64(row: 0, column: 0)
            #expect(stored == 2)
        }
    }

    @Test("a snapshot of exactly the largest size can be published and read back by GetSnapshot and WatchSnapshots")
    func largestSnapshot() async throws {
        var server = HTTP2ServerConfiguration()
        server.maxSendMessageBytes = 1 << 20
        server.maxReceiveMessageBytes = 1 << 20
        let limits = KnowledgeBaseConfiguration.Limits().fitting(
            maxSendMessageBytes: server.maxSendMessageBytes, maxReceiveMessageBytes: server.maxReceiveMessageBytes)
        #expect(limits.maximumSnapshotBytes < 1 << 20)
        try await HostedKnowledgeBaseTests.withHostedKB(serverConfiguration: server, configure: { $0.limits = limits }) {
            _, running in
            let client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: running.transport))
            func request(padding: Int) -> Lifelong_V1_PublishSnapshotRequest {
                Make.snapshot(
                    job: "big", base: 0,
                    tasks: [Make.task("a", attributes: [("blob", String(repeating: "x", count: padding))], mean: [1, 2])])
            }
            // A request just under the receive limit: it arrives, but what would be sent back
            // (with the version, times and status the service adds) is over the limit.
            var padding = 1 << 20 - 200
            while try request(padding: padding).serializedBytes().count > (1 << 20) - 64 { padding -= 1 }
            let over = await statusCode { _ = try await client.publishSnapshot(request(padding: padding)) }
            #expect(over?.0 == .resourceExhausted)
            let message = over?.1 ?? ""
            #expect(message.contains("maximumSnapshotBytes"), "\(message)")
            let served = try #require(message.split(separator: " ").dropFirst(2).first.flatMap { Int($0) })
            #expect(served > limits.maximumSnapshotBytes)
            // Exactly at the limit (the varint lengths do not change by this little): published.
            padding -= served - limits.maximumSnapshotBytes
            let version = try await client.publishSnapshot(request(padding: padding)).version
            #expect(version == 1)

            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "big"
            let snapshot = try await client.getSnapshot(get)
            #expect(snapshot.tasks.first?.attributes.first?.value.count == padding)
            var watch = Lifelong_V1_WatchSnapshotsRequest()
            watch.jobId = "big"
            watch.includeSnapshot = true
            let event = try await client.watchSnapshots(watch) { response in
                for try await event in response.messages { return event }
                return Lifelong_V1_SnapshotEvent()
            }
            #expect(try event.serializedBytes().count == limits.maximumSnapshotBytes)
            #expect(event.snapshot?.tasks.first?.attributes.first?.value.count == padding)
            #expect(event.snapshot?.version == 1)
        }
    }
}
