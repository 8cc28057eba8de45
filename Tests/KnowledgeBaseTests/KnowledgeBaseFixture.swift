#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ContentDigest
import KnowledgeBase
import LifelongProto
import Logging
import PostgresClient
import PostgresTestSupport
import RPCCore
import Synchronization
import Testing

/// A knowledge base in a schema of its own on the test PostgreSQL (configured like
/// postgres-nio's tests: `POSTGRES_*`, else `PG*`, else 127.0.0.1:5432 postgres/lifelong_test),
/// reached through the generated client over the in-process transport. Each test makes one,
/// so tests run in parallel; the schema is dropped at the end.
struct KnowledgeBaseFixture {
    let kb: KnowledgeBase
    let client: Lifelong_V1_KnowledgeBase.Client
    let schema: String

    static var connection: PostgresConfiguration {
        PostgresTestEnvironment.configuration(applicationName: "KnowledgeBaseTests")
    }

    /// Runs `body` with a fresh knowledge base, then drops its schema.
    static func with(
        limits: KnowledgeBaseConfiguration.Limits = .init(), connections: Int = 2, applicationName: String? = nil,
        _ body: (KnowledgeBaseFixture) async throws -> Void
    ) async throws {
        let schema = "kbtest_\(UInt64.random(in: 0...UInt64.max) >> 8)"
        var pool = PostgresPoolConfiguration(connection: connection)
        pool.maximumConnections = connections
        if let applicationName { pool.connection.applicationName = applicationName }
        var configuration = KnowledgeBaseConfiguration(postgres: pool)
        configuration.schema = schema
        configuration.limits = limits
        let kb = KnowledgeBase(
            configuration: configuration, logger: Logger(label: "kb-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await kb.migrate()
        } catch {
            kb.shutdown()
            throw PostgresTestEnvironment.Unavailable(configuration: connection, underlying: error)
        }
        let fixture = KnowledgeBaseFixture(
            kb: kb,
            client: Lifelong_V1_KnowledgeBase.Client(
                wrapping: RPCClient(transport: InProcessTransport(router: kb.router))),
            schema: schema)
        do {
            try await body(fixture)
        } catch {
            await fixture.dropSchema()
            throw error
        }
        await fixture.dropSchema()
    }

    private func dropSchema() async {
        kb.shutdown()
        let admin = PostgresPool(configuration: PostgresPoolConfiguration(connection: Self.connection))
        _ = try? await admin.execute("drop schema if exists \(schema) cascade")
        admin.close()
    }

    /// Runs SQL in the fixture's schema, for checks the API does not offer.
    func sql(_ statement: String, _ parameters: [PostgresValue] = []) async throws -> PostgresResult {
        try await kb.pool.execute(statement, parameters: parameters)
    }

    /// A count from SQL on a connection of its own (not the knowledge base's pool), so it sees
    /// only what was committed.
    func freshCount(_ statement: String, _ parameters: [PostgresValue] = []) async throws -> Int64 {
        var configuration = PostgresPoolConfiguration(connection: Self.connection)
        configuration.maximumConnections = 1
        configuration.sessionSettings["search_path"] = schema
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        return try await pool.execute(statement, parameters: parameters).int64(row: 0, column: 0) ?? -1
    }

    /// A count from SQL.
    func count(_ statement: String, _ parameters: [PostgresValue] = []) async throws -> Int64 {
        try await sql(statement, parameters).int64(row: 0, column: 0) ?? -1
    }
}

/// Builders of test messages.
enum Make {
    static func task(_ name: String, attributes: [(String, String)] = [], mean: [Double] = [], stddev: [Double] = [])
        -> Lifelong_V1_Task
    {
        var task = Lifelong_V1_Task()
        task.name = name
        task.cluster = -1
        task.attributes = attributes.map { attribute($0.0, $0.1) }
        if !mean.isEmpty {
            var statistics = Lifelong_V1_FeatureStatistics()
            statistics.count = 10
            statistics.mean = mean
            statistics.stddev = stddev.isEmpty ? Array(repeating: 1, count: mean.count) : stddev
            task.statistics = statistics
        }
        return task
    }

    static func attribute(_ name: String, _ value: String) -> Lifelong_V1_AttributeValue {
        var attribute = Lifelong_V1_AttributeValue()
        attribute.name = name
        attribute.value = value
        return attribute
    }

    static func schema(features: Int) -> Lifelong_V1_FeatureSchema {
        var schema = Lifelong_V1_FeatureSchema()
        schema.columns = (0..<features).map { index in
            var column = Lifelong_V1_FeatureColumn()
            column.name = "f\(index)"
            column.kind = .numeric
            return column
        }
        schema.labelName = "label"
        return schema
    }

    static func snapshot(
        job: String, base: Int64, tasks: [Lifelong_V1_Task], features: Int = 0, note: String = "",
        assignments: [(String, String)] = []
    ) -> Lifelong_V1_PublishSnapshotRequest {
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        snapshot.jobId = job
        snapshot.baseVersion = base
        snapshot.tasks = tasks
        snapshot.note = note
        if features > 0 { snapshot.schema = schema(features: features) }
        snapshot.assignments = assignments.map { taskName, sha in
            var assignment = Lifelong_V1_TaskModelAssignment()
            assignment.taskName = taskName
            var reference = Lifelong_V1_ModelReference()
            reference.sha256 = sha
            assignment.model = reference
            return assignment
        }
        var request = Lifelong_V1_PublishSnapshotRequest()
        request.snapshot = snapshot
        return request
    }

    static func sample(
        job: String, key: String, features: [Double], kind: Lifelong_V1_SampleKind = .train, task: String = "",
        label: Int32? = nil, observedAt: Int64 = 1_700_000_000_000_000
    ) -> Lifelong_V1_Sample {
        var sample = Lifelong_V1_Sample()
        sample.jobId = job
        sample.key = key
        sample.features = features
        sample.kind = kind
        sample.taskName = task
        sample.observedAtUs = observedAt
        if let label {
            var value = Lifelong_V1_Label()
            value.present = true
            value.classIndex = label
            sample.label = value
        }
        return sample
    }

    static func modelMetadata(_ bytes: [UInt8], sha256: String? = nil, size: Int64? = nil, task: String = "")
        -> Lifelong_V1_ModelMetadata
    {
        var reference = Lifelong_V1_ModelReference()
        reference.sha256 = sha256 ?? SHA256Digest.hex(of: bytes)
        reference.sizeBytes = size ?? Int64(bytes.count)
        var metadata = Lifelong_V1_ModelMetadata()
        metadata.reference = reference
        metadata.format = "lifelong.test.v1"
        metadata.taskName = task
        metadata.parameters = [attribute("rounds", "10")]
        return metadata
    }

    static func randomBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        var bytes = [UInt8]()
        bytes.reserveCapacity(count)
        while bytes.count < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
                bytes.append(UInt8(truncatingIfNeeded: state >> UInt64(shift)))
            }
        }
        return bytes
    }
}

/// A value behind a lock, shareable by the tasks of a test.
final class Locked<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>

    init(_ value: Value) { storage = Mutex(value) }

    var value: Value { storage.withLock { $0 } }

    func update(_ body: (inout Value) -> Void) { storage.withLock { body(&$0) } }
}
