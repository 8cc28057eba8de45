import ContentDigest
import KnowledgeBase
import LifelongProto
import PostgresClient
import RPCCore
import ServiceHostTesting
import Testing

/// PostgreSQL sessions ended under a running publish or upload, and the schema changed under
/// prepared statements.
@Suite("PostgreSQL lost or changed while the knowledge base works")
struct DatabaseLossTests {
    /// Holds `lock` on a table from a session of its own while `body` runs; meanwhile waits
    /// until a session of `applicationName` waits for a lock, ends every session of
    /// `applicationName` with `pg_terminate_backend`, then lets `body` finish.
    static func terminateWhenBlocked(
        _ kb: KnowledgeBaseFixture, applicationName: String, lock: String,
        _ body: @escaping @Sendable () async throws -> Void
    ) async throws -> (RPCError.Code, String)? {
        var configuration = PostgresPoolConfiguration(connection: KnowledgeBaseFixture.connection)
        configuration.sessionSettings["search_path"] = kb.schema
        configuration.maximumConnections = 2
        let admin = PostgresPool(configuration: configuration)
        defer { admin.close() }
        return try await admin.withConnection { lease in
            _ = try await lease.run { connection in
                try connection.execute("begin")
                return try connection.execute(lock)
            }
            let call = Task { await statusCode(body) }
            let blocked = try await ProcessFaultTests.eventually {
                try await admin.execute(
                    "select count(*) from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
                    parameters: [.text(applicationName)]
                ).int64(row: 0, column: 0) == 1
            }
            #expect(blocked)
            let terminated = try await admin.execute(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1) t",
                parameters: [.text(applicationName)]
            ).int64(row: 0, column: 0)
            #expect(terminated ?? 0 >= 1)
            _ = try await lease.run { try $0.execute("rollback") }
            return await call.value
        }
    }

    @Test("a publish whose session is terminated half-way: UNAVAILABLE, no partial version, the pool recovers")
    func terminatedPublish() async throws {
        let name = "kbterm_\(UInt32.random(in: 0...UInt32.max))"
        try await KnowledgeBaseFixture.with(applicationName: name) { kb async throws in
            let first = try await kb.client.publishSnapshot(
                Make.snapshot(job: "lost", base: 0, tasks: [Make.task("a", mean: [1])]))
            var second = Make.snapshot(job: "lost", base: 1, tasks: (0..<50).map { Make.task("t\($0)", mean: [1]) })
            var relation = Lifelong_V1_TaskRelation()
            relation.fromTask = "t0"
            relation.toTask = "t1"
            relation.weight = 0.5
            second.snapshot?.relations = [relation]
            let client = kb.client
            let request = second
            // Blocked at its last insert: the version row and its task rows are written by then.
            let outcome = try await Self.terminateWhenBlocked(
                kb, applicationName: name, lock: "lock table snapshot_relations in exclusive mode"
            ) { _ = try await client.publishSnapshot(request) }
            #expect(outcome?.0 == .unavailable, "\(String(describing: outcome))")
            #expect(outcome?.1.contains(kb.schema) == false)
            #expect(try await kb.freshCount("select count(*) from snapshots where job_id = 'lost'") == 1)
            #expect(try await kb.freshCount("select count(*) from snapshot_tasks where job_id = 'lost' and version = 2") == 0)
            #expect(try await kb.freshCount("select current_version from jobs where job_id = 'lost'") == 1)
            // What was acknowledged is intact, and the next call works.
            var get = Lifelong_V1_GetSnapshotRequest()
            get.jobId = "lost"
            #expect(try await kb.client.getSnapshot(get).version == first.version)
            #expect(try await kb.client.publishSnapshot(second).version == 2)
        }
    }

    @Test("a PutModel whose session is terminated while it writes: UNAVAILABLE, no chunk rows, the pool recovers")
    func terminatedUpload() async throws {
        let name = "kbterm_\(UInt32.random(in: 0...UInt32.max))"
        try await KnowledgeBaseFixture.with(applicationName: name) { kb async throws in
            let acknowledged = Make.randomBytes(1_200_000, seed: 71)
            _ = try await ModelTests.upload(kb.client, acknowledged)
            let bytes = Make.randomBytes(2_500_000, seed: 72)
            let sha = SHA256Digest.hex(of: bytes)
            let client = kb.client
            // Blocked at the models row: its three chunk rows are written by then.
            let outcome = try await Self.terminateWhenBlocked(
                kb, applicationName: name, lock: "lock table models in exclusive mode"
            ) { _ = try await ModelTests.upload(client, bytes) }
            #expect(outcome?.0 == .unavailable, "\(String(describing: outcome))")
            #expect(try await kb.freshCount("select count(*) from model_chunks where sha256 = $1", [.text(sha)]) == 0)
            #expect(try await kb.freshCount("select count(*) from models") == 1)
            #expect(kb.kb.uploadSpool.statistics == .init(uploads: 0, reservedBytes: 0, spooledBytes: 0))
            let (_, downloaded, _) = try await ModelTests.download(kb.client, sha256: SHA256Digest.hex(of: acknowledged))
            #expect(downloaded == acknowledged)
            #expect(try await ModelTests.upload(kb.client, bytes).deduplicated == false)
            #expect(try await kb.freshCount("select count(*) from model_chunks where sha256 = $1", [.text(sha)]) == 3)
        }
    }

    @Test("columns change type under prepared statements: calls keep succeeding (re-prepared, no 0A000)")
    func schemaChangeWhileRunning() async throws {
        try await KnowledgeBaseFixture.with(connections: 1) { kb async throws in
            let client = kb.client
            _ = try await client.publishSnapshot(Make.snapshot(job: "mig", base: 0, tasks: [Make.task("a")], note: "one"))
            _ = try await client.publishSnapshot(Make.snapshot(job: "mig", base: 1, tasks: [Make.task("b")], note: "two"))
            var list = Lifelong_V1_ListVersionsRequest()
            list.jobId = "mig"
            var rollback = Lifelong_V1_RollbackSnapshotRequest()
            rollback.jobId = "mig"
            rollback.toVersion = 1
            rollback.baseVersion = 2
            // Prepare the statements on the one pooled connection.
            #expect(try await client.listVersions(list).versions.count == 2)
            #expect(try await client.rollbackSnapshot(rollback).version == 3)
            // A migration run by someone else changes result types those statements return:
            // `note` (read by ListVersions, outside a transaction) and `fingerprint` (read by
            // RollbackSnapshot inside its transaction).
            var configuration = PostgresPoolConfiguration(connection: KnowledgeBaseFixture.connection)
            configuration.sessionSettings["search_path"] = kb.schema
            let admin = PostgresPool(configuration: configuration)
            defer { admin.close() }
            try await admin.execute("alter table snapshots alter column note type varchar(1000)")
            try await admin.execute("alter table snapshot_tasks alter column fingerprint type varchar(100)")
            #expect(try await client.listVersions(list).versions.map(\.note) == ["rollback to version 1", "two", "one"])
            rollback.toVersion = 2
            rollback.baseVersion = 3
            #expect(try await client.rollbackSnapshot(rollback).version == 4)
        }
    }
}
