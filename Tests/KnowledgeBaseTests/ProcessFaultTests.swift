import ContentDigest
import Foundation
import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore
import ServiceHostTesting
import Testing

/// The built `lifelong-kb` over the network: calls over HTTP/2, `kill -9` during an upload
/// and during publishes, and PostgreSQL crashing (`pg_ctl stop -m immediate`) while clients
/// call. Serialized: these tests start processes and a cluster of their own.
@Suite("lifelong-kb process: network, kill -9, PostgreSQL crash", .serialized)
struct ProcessFaultTests {
    /// The shared test database as a URL, with a fresh schema.
    static func sharedDatabase() -> (url: String, schema: String, configuration: PostgresConfiguration) {
        let configuration = KnowledgeBaseFixture.connection
        let schema = "kbproc_\(UInt32.random(in: 0...UInt32.max))"
        let url = "postgresql://\(configuration.user)@\(configuration.host):\(configuration.port)/\(configuration.database ?? "postgres")"
            + "?application_name=\(applicationName(of: schema))"
        return (url, schema, configuration)
    }

    /// The `application_name` of the server processes started on `schema` (the shared cluster
    /// also serves other suites' knowledge bases, so a look at sessions must name its own).
    static func applicationName(of schema: String) -> String { "lifelong-kb-" + schema }

    /// A pool on the schema, to look at the tables behind the service's back.
    static func inspector(_ configuration: PostgresConfiguration, schema: String) -> PostgresPool {
        var pool = PostgresPoolConfiguration(connection: configuration)
        pool.maximumConnections = 2
        pool.sessionSettings["search_path"] = schema
        return PostgresPool(configuration: pool)
    }

    static func drop(_ schema: String, _ pool: PostgresPool) async {
        _ = try? await pool.execute("drop schema if exists \(schema) cascade")
        pool.close()
    }

    static func downloadHash(_ client: Lifelong_V1_KnowledgeBase.Client, _ sha256: String) async throws -> String {
        let (_, bytes, _) = try await ModelTests.download(client, sha256: sha256)
        return SHA256Digest.hex(of: bytes)
    }

    @Test("over HTTP/2: publish, get, put and get a model, health")
    func network() async throws {
        let (url, schema, configuration) = Self.sharedDatabase()
        let inspector = Self.inspector(configuration, schema: schema)
        let server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        do {
            let published = try await server.client.publishSnapshot(
                Make.snapshot(job: "net", base: 0, tasks: [Make.task("a", mean: [1, 2])], features: 2))
            #expect(published.version == 1)
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "net"
            #expect(try await server.client.getSnapshot(get).tasks.map(\.name) == ["a"])

            let bytes = Make.randomBytes(3_000_000, seed: 5)
            let put = try await ModelTests.upload(server.client, bytes, chunk: 256 << 10)
            #expect(put.deduplicated == false)
            #expect(try await Self.downloadHash(server.client, SHA256Digest.hex(of: bytes)) == SHA256Digest.hex(of: bytes))

            let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: server.transport))
            var check = Grpc_Health_V1_HealthCheckRequest()
            check.service = "lifelong.v1.KnowledgeBase"
            #expect(try await health.check(check).status == .serving)

            get.version = 5
            let missing = await statusCode { _ = try await server.client.getSnapshot(get) }
            #expect(missing?.0 == .notFound)
        } catch {
            await server.stop()
            await Self.drop(schema, inspector)
            throw error
        }
        await server.stop()
        await Self.drop(schema, inspector)
    }

    @Test("kill -9 during a model upload: after restart no partial model, acknowledged models intact")
    func killDuringUpload() async throws {
        let (url, schema, configuration) = Self.sharedDatabase()
        let inspector = Self.inspector(configuration, schema: schema)
        defer { inspector.close() }
        var server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        let acknowledged = Make.randomBytes(2_500_000, seed: 21)
        _ = try await ModelTests.upload(server.client, acknowledged, chunk: 256 << 10)

        let partial = Make.randomBytes(8_000_000, seed: 22)
        let partialSHA = SHA256Digest.hex(of: partial)
        let (progress, progressSink) = AsyncStream<Int>.makeStream()
        let client = server.client
        let upload = Task {
            // Ends the progress stream however the upload ends, so a failure before 3 MB
            // fails the test below instead of leaving it waiting.
            defer { progressSink.finish() }
            return try await client.putModel { writer in
                var offset = 0
                while offset < partial.count {
                    var chunk = Lifelong_V1_ModelChunk()
                    if offset == 0 { chunk.metadata = Make.modelMetadata(partial) }
                    chunk.data = Array(partial[offset..<min(offset + (256 << 10), partial.count)])
                    try await writer.write(chunk)
                    offset += chunk.data.count
                    progressSink.yield(offset)
                    // After 3 MB, hold the rest back: the server is mid-transaction now.
                    if offset >= 3_000_000 { try await Task.sleep(for: .seconds(60)) }
                }
            }
        }
        var reached = false
        for await sent in progress where sent >= 3_000_000 {
            reached = true
            break
        }
        guard reached else {
            let outcome = await upload.result
            Issue.record("the upload ended before 3 MB were sent: \(outcome)")
            await server.stop()
            return
        }
        // The server holds what arrived in its upload spool (all 3,145,728 bytes sent: twelve
        // chunks of 256 KiB), and no database session waits inside a transaction for the client.
        let sent = 12 * (256 << 10)
        #expect(try await Self.eventually { server.spoolFileSizes() == [sent] }, "\(server.spoolFileSizes())")
        #expect(try await inspector.execute(
            "select count(*) from pg_stat_activity where application_name = $1 and state like 'idle in transaction%'",
            parameters: [.text(Self.applicationName(of: schema))]
        ).int64(row: 0, column: 0) == 0)
        await server.kill()
        // The producer may be asleep holding the rest back; wake it so the call ends now.
        upload.cancel()
        let outcome = await upload.result
        #expect(throws: (any Error).self) { try outcome.get() }

        server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        let missing = await statusCode { _ = try await Self.downloadHash(server.client, partialSHA) }
        #expect(missing?.0 == .notFound)
        // Nothing of it reached the database.
        #expect(try await inspector.execute("select count(*) from model_chunks where sha256 = $1", parameters: [.text(partialSHA)])
            .int64(row: 0, column: 0) == 0)
        #expect(try await Self.downloadHash(server.client, SHA256Digest.hex(of: acknowledged)) == SHA256Digest.hex(of: acknowledged))
        // The interrupted model can be uploaded again, whole.
        #expect(try await ModelTests.upload(server.client, partial, chunk: 1 << 20).deduplicated == false)
        #expect(try await Self.downloadHash(server.client, partialSHA) == partialSHA)
        await server.stop()
        await Self.drop(schema, inspector)
    }

    @Test("kill -9 during publishes: after restart every acknowledged version is intact and no version is partial")
    func killDuringPublish() async throws {
        let (url, schema, configuration) = Self.sharedDatabase()
        let inspector = Self.inspector(configuration, schema: schema)
        defer { inspector.close() }
        var server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        let acknowledged = Locked([Int64: [String]]())
        let client = server.client
        // Four publishers rebasing on ABORTED, each snapshot with 200 tasks, until the kill.
        let publishers = (0..<4).map { publisher in
            Task {
                var round = 0
                while true {
                    var get = Lifelong_V1_GetSnapshotRequest()
                    get.jobId = "crash"
                    let base: Int64
                    do {
                        base = try await client.getSnapshot(get).version
                    } catch let error as RPCError where error.code == .notFound {
                        base = 0
                    } catch {
                        return
                    }
                    let names = (0..<200).map { "p\(publisher)-r\(round)-t\($0)" }
                    do {
                        let response = try await client.publishSnapshot(
                            Make.snapshot(job: "crash", base: base, tasks: names.map { Make.task($0, mean: [1, 2, 3]) }))
                        acknowledged.update { $0[response.version] = names }
                    } catch let error as RPCError where error.code == .aborted {
                        continue
                    } catch {
                        return
                    }
                    round += 1
                }
            }
        }
        #expect(try await Self.eventually { acknowledged.value.count >= 10 })
        // Kill while a publish transaction is open on the server.
        #expect(try await Self.eventually {
            try await inspector.execute(
                "select count(*) from pg_stat_activity where application_name = $1 and xact_start is not null",
                parameters: [.text(Self.applicationName(of: schema))]
            ).int64(row: 0, column: 0) ?? 0 > 0
        })
        await server.kill()
        for publisher in publishers { await publisher.value }

        server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        var list = Lifelong_V1_ListVersionsRequest()
        list.jobId = "crash"
        list.limit = 10_000
        let versions = try await server.client.listVersions(list).versions
        let numbers = versions.map(\.version).sorted()
        #expect(numbers == Array(1...Int64(numbers.count)))
        for (version, names) in acknowledged.value {
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "crash"
            get.version = version
            #expect(try await server.client.getSnapshot(get).tasks.map(\.name) == names)
        }
        // No partial version: every version's task rows match its task count.
        let partial = try await inspector.execute(
            """
            select count(*) from snapshots s
            where s.task_count <> (select count(*) from snapshot_tasks t where t.job_id = s.job_id and t.version = s.version)
            """)
        #expect(try partial.int64(row: 0, column: 0) == 0)
        let current = try await inspector.execute("select current_version from jobs where job_id = 'crash'")
        #expect(try current.int64(row: 0, column: 0) == numbers.last)
        await server.stop()
        await Self.drop(schema, inspector)
    }

    @Test("PostgreSQL crashes and restarts while clients call: calls fail with UNAVAILABLE, then work again")
    func postgresCrash() async throws {
        let cluster = try PrivatePostgres.create()
        defer { cluster.destroy() }
        let server = try await KnowledgeBaseProcess(postgresURL: cluster.url, schema: "lifelong_kb")
        do {
            try await Self.crashAndRecover(cluster, server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    static func crashAndRecover(_ cluster: PrivatePostgres, _ server: KnowledgeBaseProcess) async throws {
        _ = try await server.client.publishSnapshot(Make.snapshot(job: "pg", base: 0, tasks: [Make.task("a")]))

        let codes = Locked([String]())
        let client = server.client
        let caller = Task {
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "pg"
            while !Task.isCancelled {
                do {
                    _ = try await client.getSnapshot(get, options: CallOptions(timeout: .seconds(5)))
                    codes.update { $0.append("OK") }
                } catch let error as RPCError {
                    // A call cut short by the test's own cancellation below is not a finding.
                    if !Task.isCancelled { codes.update { $0.append("\(error.code)") } }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(try await Self.eventually { codes.value.contains("OK") })
        let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: server.transport))
        var check = Grpc_Health_V1_HealthCheckRequest()
        check.service = "lifelong.v1.KnowledgeBase"
        try cluster.crash()
        #expect(try await Self.eventually { codes.value.last == "UNAVAILABLE" })
        // Health follows the database.
        #expect(try await Self.eventually { try await health.check(check).status == .notServing })
        try cluster.start()
        let recovered = try await Self.eventually(timeout: .seconds(30)) {
            let recent = codes.value.suffix(3)
            return recent.count == 3 && recent.allSatisfy { $0 == "OK" }
        }
        #expect(recovered)
        #expect(try await Self.eventually { try await health.check(check).status == .serving })
        caller.cancel()
        _ = await caller.result
        #expect(Set(codes.value).isSubset(of: ["OK", "UNAVAILABLE"]), "codes seen: \(Set(codes.value))")
        // Writes work again too, and nothing acknowledged before the crash was lost.
        let next = try await server.client.publishSnapshot(Make.snapshot(job: "pg", base: 1, tasks: [Make.task("b")]))
        #expect(next.version == 2)
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(
        timeout: Duration = .seconds(20), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
