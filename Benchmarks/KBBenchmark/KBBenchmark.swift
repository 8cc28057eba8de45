#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ContentDigest
import HTTP2Transport
import KnowledgeBase
import LifelongProto
import Logging
import PostgresClient
import RPCCore

/// `make bench-kb`: the knowledge base served over HTTP/2 on loopback (in this process, as
/// `lifelong-kb` serves it), called through the generated client, against the throwaway
/// PostgreSQL; anchors are `psql` doing the same writes (`\copy` of the same sample rows, the
/// same 64 MiB as one bytea). Prints a table and one `SUMMARY key=value …` line.
@main
struct KBBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return fallback }
            return Int(arguments[index + 1]) ?? fallback
        }
        let samples = option("--samples", 200_000)
        let modelMiB = option("--model-mib", 64)
        let work = arguments.firstIndex(of: "--work").map { arguments[$0 + 1] } ?? "/tmp"

        let connection = try PostgresConfiguration.fromEnvironment()
        let schema = "kb_bench"
        let admin = PostgresPool(configuration: PostgresPoolConfiguration(connection: connection))
        try await admin.execute("drop schema if exists \(schema) cascade")

        var pool = PostgresPoolConfiguration(connection: connection)
        pool.maximumConnections = 8
        var configuration = KnowledgeBaseConfiguration(postgres: pool)
        configuration.schema = schema
        let kb = KnowledgeBase(
            configuration: configuration, logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await kb.migrate()

        var serverConfiguration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        serverConfiguration.maxReceiveMessageBytes = 16 << 20
        serverConfiguration.maxSendMessageBytes = 16 << 20
        serverConfiguration.initialStreamWindowBytes = 4 << 20
        serverConfiguration.connectionWindowBytes = 16 << 20
        let server = HTTP2Server(configuration: serverConfiguration, router: kb.router)
        let port = try await server.start()
        var clientConfiguration = HTTP2ClientConfiguration()
        clientConfiguration.maxReceiveMessageBytes = 16 << 20
        clientConfiguration.maxSendMessageBytes = 16 << 20
        clientConfiguration.initialStreamWindowBytes = 4 << 20
        clientConfiguration.connectionWindowBytes = 16 << 20
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: clientConfiguration)
        let client = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport))

        var rows: [Row] = []
        func log(_ text: String) { FileHandleStderr.write("bench-kb: \(text)\n") }

        // 1. Publish 1,000 tasks (20 features), each version from the previous one.
        log("publish: 1000 tasks x 30 versions")
        var publishTimes: [Double] = []
        var base: Int64 = 0
        for round in 0..<32 {
            let request = Snapshots.publishRequest(job: "bench", base: base, round: round, tasks: 1000, features: 20)
            let start = ContinuousClock.now
            base = try await client.publishSnapshot(request).version
            if round >= 2 { publishTimes.append(milliseconds(since: start)) }
        }
        rows.append(Row(name: "publish snapshot, 1000 tasks: p50 ms", ours: percentile(publishTimes, 0.5), target: "<= 50"))
        rows.append(Row(name: "publish snapshot, 1000 tasks: p99 ms", ours: percentile(publishTimes, 0.99)))

        // 2. Get the latest snapshot.
        log("get latest snapshot x 300")
        var getTimes: [Double] = []
        var get = Lifelong_V1_GetSnapshotRequest()
        get.jobId = "bench"
        for index in 0..<320 {
            let start = ContinuousClock.now
            let snapshot = try await client.getSnapshot(get)
            precondition(snapshot.tasks.count == 1000)
            if index >= 20 { getTimes.append(milliseconds(since: start)) }
        }
        rows.append(Row(name: "get latest snapshot (1000 tasks): p50 ms", ours: percentile(getTimes, 0.5), target: "<= 2"))
        rows.append(Row(name: "get latest snapshot (1000 tasks): p99 ms", ours: percentile(getTimes, 0.99)))
        // Where the time goes: the same call without HTTP/2, and the message codec alone.
        let local = Lifelong_V1_KnowledgeBase.Client(
            wrapping: RPCClient(transport: InProcessTransport(router: kb.router)))
        var localTimes: [Double] = []
        var codecTimes: [Double] = []
        for index in 0..<120 {
            let start = ContinuousClock.now
            let snapshot = try await local.getSnapshot(get)
            if index >= 20 { localTimes.append(milliseconds(since: start)) }
            let codecStart = ContinuousClock.now
            let decoded = try Lifelong_V1_TaskIndexSnapshot(serializedBytes: try snapshot.serializedBytes())
            precondition(decoded.tasks.count == snapshot.tasks.count)
            if index >= 20 { codecTimes.append(milliseconds(since: codecStart)) }
        }
        rows.append(Row(name: "  same, in-process transport (no HTTP/2): p50 ms", ours: percentile(localTimes, 0.5)))
        rows.append(Row(name: "  of which protobuf encode + decode: p50 ms", ours: percentile(codecTimes, 0.5)))

        // 3. Query tasks: attribute filter, and nearest 10 to a feature vector.
        log("query tasks x 2000")
        var queryTimes: [Double] = []
        for index in 0..<2100 {
            var query = Lifelong_V1_QueryTasksRequest()
            query.jobId = "bench"
            if index % 2 == 0 {
                query.attributes = [Snapshots.attribute("site", "site-\(index % 50)")]
            } else {
                query.nearestTo = (0..<20).map { Double(($0 * 7 + index) % 13) }
                query.limit = 10
            }
            let start = ContinuousClock.now
            let response = try await client.queryTasks(query)
            precondition(!response.matches.isEmpty)
            if index >= 100 { queryTimes.append(milliseconds(since: start)) }
        }
        rows.append(Row(name: "query tasks (filter | nearest 10): p50 ms", ours: percentile(queryTimes, 0.5)))
        rows.append(Row(name: "query tasks (filter | nearest 10): p99 ms", ours: percentile(queryTimes, 0.99), target: "<= 2"))
        var localQueryTimes: [Double] = []
        for index in 0..<1100 {
            var query = Lifelong_V1_QueryTasksRequest()
            query.jobId = "bench"
            query.nearestTo = (0..<20).map { Double(($0 * 7 + index) % 13) }
            query.limit = 10
            let start = ContinuousClock.now
            _ = try await local.queryTasks(query)
            if index >= 100 { localQueryTimes.append(milliseconds(since: start)) }
        }
        rows.append(Row(name: "  same (nearest), in-process transport: p99 ms", ours: percentile(localQueryTimes, 0.99)))
        rows.append(Row(name: "  same (nearest), in-process transport: p50 ms", ours: percentile(localQueryTimes, 0.5)))

        // 4. Ingest samples with 20 features through AddSamples, against psql \copy of the same rows.
        log("ingest \(samples) samples x 20 features through AddSamples")
        let batchSize = 2000
        let ingestStart = ContinuousClock.now
        let added = try await client.addSamples { writer in
            var index = 0
            while index < samples {
                var batch = Lifelong_V1_SampleBatch()
                batch.samples = (index..<min(index + batchSize, samples)).map { Samples.sample($0) }
                try await writer.write(batch)
                index += batchSize
            }
        }
        let ingestSeconds = seconds(since: ingestStart)
        precondition(added.inserted == Int64(samples), "inserted \(added.inserted) of \(samples)")
        let oursIngest = Double(samples) / ingestSeconds

        log("psql \\copy of the same \(samples) rows")
        let copyFile = "\(work)/kb-bench-samples.copy"
        try Samples.writeCopyFile(path: copyFile, count: samples)
        try await admin.execute("create table \(schema).samples_copy (like \(schema).samples including all)")
        let copySeconds = try timeCommand([
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c",
            "\\copy \(schema).samples_copy (job_id, key, task_name, kind, features, attributes, label_present, label_class, label_value, edge_node, observed_at) from '\(copyFile)'",
        ])
        unlink(copyFile)
        let copied = try await admin.execute("select count(*) from \(schema).samples_copy").int64(row: 0, column: 0) ?? 0
        precondition(copied == Int64(samples), "psql copied \(copied) rows")
        let psqlIngest = Double(samples) / copySeconds
        rows.append(
            Row(name: "ingest samples (20 features): samples/s", ours: oursIngest, anchor: psqlIngest, target: ">= 100000, >= 0.5x"))

        // 5. Put and get a 64 MiB model, against psql writing (and reading) the same bytea.
        log("put and get a \(modelMiB) MiB model")
        let model = randomBytes(modelMiB << 20)
        let sha = SHA256Digest.hex(of: model)
        var metadata = Lifelong_V1_ModelMetadata()
        var reference = Lifelong_V1_ModelReference()
        reference.sha256 = sha
        reference.sizeBytes = Int64(model.count)
        metadata.reference = reference
        metadata.format = "bench"
        let modelMetadata = metadata
        let putStart = ContinuousClock.now
        let put = try await client.putModel { writer in
            var offset = 0
            while offset < model.count {
                var chunk = Lifelong_V1_ModelChunk()
                if offset == 0 { chunk.metadata = modelMetadata }
                chunk.data = Array(model[offset..<min(offset + (1 << 20), model.count)])
                try await writer.write(chunk)
                offset += 1 << 20
            }
        }
        let putSeconds = seconds(since: putStart)
        precondition(put.deduplicated == false)
        var getModel = Lifelong_V1_GetModelRequest()
        getModel.sha256 = sha
        getModel.chunkSize = 1 << 20
        let getStart = ContinuousClock.now
        let downloaded = try await client.getModel(getModel) { response in
            let digest = SHA256Digest()
            var count = 0
            for try await chunk in response.messages {
                digest.update(chunk.data)
                count += chunk.data.count
            }
            return (digest.finalizeHex(), count)
        }
        let getSeconds = seconds(since: getStart)
        precondition(downloaded.0 == sha && downloaded.1 == model.count, "downloaded model differs")
        let megabytes = Double(model.count) / 1e6

        // Where the time goes: the same upload without HTTP/2 (a second copy of the model,
        // one byte different, so it is stored rather than deduplicated).
        var second = model
        second[0] ^= 0xff
        let secondModel = second
        var secondMetadata = metadata
        var secondReference = reference
        secondReference.sha256 = SHA256Digest.hex(of: secondModel)
        secondMetadata.reference = secondReference
        let localMetadata = secondMetadata
        let localPutStart = ContinuousClock.now
        _ = try await local.putModel { writer in
            var offset = 0
            while offset < secondModel.count {
                var chunk = Lifelong_V1_ModelChunk()
                if offset == 0 { chunk.metadata = localMetadata }
                chunk.data = Array(secondModel[offset..<min(offset + (1 << 20), secondModel.count)])
                try await writer.write(chunk)
                offset += 1 << 20
            }
        }
        let localPutSeconds = seconds(since: localPutStart)

        log("psql: the same bytes as one bytea, written and read")
        let blobFile = "\(work)/kb-bench-model.copy"
        try writeHexCopyLine(path: blobFile, bytes: model)
        try await admin.execute("create table \(schema).blob_copy (data bytea not null)")
        try await admin.execute("alter table \(schema).blob_copy alter column data set storage external")
        let psqlWrite = try timeCommand([
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\copy \(schema).blob_copy (data) from '\(blobFile)'",
        ])
        unlink(blobFile)
        let psqlRead = try timeCommand([
            "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "\\copy (select data from \(schema).blob_copy) to '/dev/null'",
        ])
        rows.append(
            Row(name: "put model (\(modelMiB) MiB, SHA-256 verified): MB/s", ours: megabytes / putSeconds,
                anchor: megabytes / psqlWrite, target: ">= 200"))
        rows.append(
            Row(name: "  same put, in-process transport (no HTTP/2): MB/s", ours: megabytes / localPutSeconds))
        rows.append(
            Row(name: "get model (\(modelMiB) MiB): MB/s", ours: megabytes / getSeconds, anchor: megabytes / psqlRead,
                target: ">= 200"))

        print(
            "KnowledgeBase over HTTP/2 on loopback (generated client -> lifelong-kb service -> PostgreSQL 127.0.0.1), one run; anchors: psql on the same server"
        )
        Row.printTable(rows)
        let summary: [(String, Double)] = [
            ("publish_1000_tasks_p50_ms", percentile(publishTimes, 0.5)),
            ("get_snapshot_p50_ms", percentile(getTimes, 0.5)),
            ("query_tasks_p99_ms", percentile(queryTimes, 0.99)),
            ("ingest_samples_per_s", oursIngest),
            ("psql_copy_samples_per_s", psqlIngest),
            ("ours_over_psql_copy_ingest", oursIngest / psqlIngest),
            ("put_model_mb_per_s", megabytes / putSeconds),
            ("psql_bytea_write_mb_per_s", megabytes / psqlWrite),
            ("ours_over_psql_bytea_write", psqlWrite / putSeconds),
            ("get_model_mb_per_s", megabytes / getSeconds),
            ("psql_bytea_read_mb_per_s", megabytes / psqlRead),
            ("ours_over_psql_bytea_read", psqlRead / getSeconds),
        ]
        print("SUMMARY " + summary.map { "\($0.0)=\(format($0.1))" }.joined(separator: " "))

        await transport.close()
        await server.shutdown()
        kb.shutdown()
        try await admin.execute("drop schema if exists \(schema) cascade")
        admin.close()
    }
}

// MARK: Measuring

func milliseconds(since start: ContinuousClock.Instant) -> Double { seconds(since: start) * 1000 }

func seconds(since start: ContinuousClock.Instant) -> Double {
    let (whole, fraction) = (ContinuousClock.now - start).components
    return Double(whole) + Double(fraction) / 1e18
}

func percentile(_ values: [Double], _ quantile: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * quantile).rounded()))]
}

func format(_ value: Double) -> String {
    if value >= 1000 { return String(Int(value.rounded())) }
    if value >= 10 { return String((value * 10).rounded() / 10) }
    return String((value * 1000).rounded() / 1000)
}

/// Runs a command (found on PATH) and returns its wall time in seconds.
func timeCommand(_ arguments: [String]) throws -> Double {
    let start = ContinuousClock.now
    var pid: pid_t = 0
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    guard posix_spawnp(&pid, arguments[0], nil, nil, argv, environ) == 0 else {
        throw BenchmarkError("cannot run \(arguments[0])")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0 else { throw BenchmarkError("\(arguments.joined(separator: " ")) failed (status \(status))") }
    return seconds(since: start)
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = Glibc.write(2, &bytes, bytes.count)
    }
}

/// Writes `bytes` to `path` with `write(2)`.
func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard descriptor >= 0 else { throw BenchmarkError("cannot create \(path)") }
    defer { close(descriptor) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written > 0 else { throw BenchmarkError("cannot write \(path)") }
        offset += written
    }
}

/// One COPY text line holding the bytes as a bytea in hex (`\\x…`).
func writeHexCopyLine(path: String, bytes: [UInt8]) throws {
    let digits = Array("0123456789abcdef".utf8)
    var line: [UInt8] = Array("\\\\x".utf8)
    line.reserveCapacity(bytes.count * 2 + 4)
    for byte in bytes {
        line.append(digits[Int(byte >> 4)])
        line.append(digits[Int(byte & 0xf)])
    }
    line.append(UInt8(ascii: "\n"))
    try writeFile(path, line)
}

func randomBytes(_ count: Int) -> [UInt8] {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { raw in
        let words = raw.bindMemory(to: UInt64.self)
        for index in words.indices {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            words[index] = state
        }
    }
    return bytes
}

// MARK: Data

enum Snapshots {
    static func attribute(_ name: String, _ value: String) -> Lifelong_V1_AttributeValue {
        var attribute = Lifelong_V1_AttributeValue()
        attribute.name = name
        attribute.value = value
        return attribute
    }

    /// 1,000 tasks with attributes and 20-feature statistics; a few change every round.
    static func publishRequest(job: String, base: Int64, round: Int, tasks: Int, features: Int)
        -> Lifelong_V1_PublishSnapshotRequest
    {
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        snapshot.jobId = job
        snapshot.baseVersion = base
        snapshot.note = "bench round \(round)"
        var schema = Lifelong_V1_FeatureSchema()
        schema.columns = (0..<features).map { index in
            var column = Lifelong_V1_FeatureColumn()
            column.name = "f\(index)"
            column.kind = .numeric
            return column
        }
        schema.attributeNames = ["site", "season"]
        snapshot.schema = schema
        snapshot.tasks = (0..<tasks).map { index in
            var task = Lifelong_V1_Task()
            task.name = "task-\(index)"
            task.cluster = -1
            task.attributes = [attribute("site", "site-\(index % 50)"), attribute("season", "s\(index % 20)")]
            var statistics = Lifelong_V1_FeatureStatistics()
            statistics.count = 500
            let shift = index % 25 == round % 25 ? Double(round) : 0
            statistics.mean = (0..<features).map { Double(($0 * 7 + index) % 13) + shift }
            statistics.stddev = (0..<features).map { 1 + Double(($0 + index) % 5) }
            task.statistics = statistics
            task.sampleCount = 500
            return task
        }
        var request = Lifelong_V1_PublishSnapshotRequest()
        request.snapshot = snapshot
        return request
    }
}

enum Samples {
    static func features(_ index: Int) -> [Double] {
        (0..<20).map { Double((index &* 31 &+ $0 &* 17) % 1000) / 10 }
    }

    static func sample(_ index: Int) -> Lifelong_V1_Sample {
        var sample = Lifelong_V1_Sample()
        sample.jobId = "bench"
        sample.key = "sample-\(index)"
        sample.taskName = "task-\(index % 1000)"
        sample.kind = .train
        sample.features = features(index)
        var label = Lifelong_V1_Label()
        label.present = true
        label.classIndex = Int32(index % 3)
        sample.label = label
        sample.edgeNode = "edge-\(index % 10)"
        sample.observedAtUs = 1_700_000_000_000_000 + Int64(index) * 1000
        return sample
    }

    /// The same rows in COPY text format, for `psql \copy`.
    static func writeCopyFile(path: String, count: Int) throws {
        var text = ""
        text.reserveCapacity(count * 200)
        for index in 0..<count {
            let sample = sample(index)
            let features = "{" + sample.features.map { String($0) }.joined(separator: ",") + "}"
            text += "\(sample.jobId)\t\(sample.key)\t\(sample.taskName)\t1\t\(features)\t{}\tt\t\(index % 3)\t0\t\(sample.edgeNode)\t"
            text += timestampText(sample.observedAtUs / 1_000_000) + "\n"
        }
        try writeFile(path, Array(text.utf8))
    }

    static func timestampText(_ seconds: Int64) -> String {
        // Days since 1970-01-01 → civil date (Howard Hinnant's algorithm).
        let days = seconds / 86_400
        let secondOfDay = seconds % 86_400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day)) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))+00"
    }
}

// MARK: Table

struct Row {
    var name: String
    var ours: Double
    var anchor: Double?
    var target: String = ""

    init(name: String, ours: Double, anchor: Double? = nil, target: String = "") {
        self.name = name
        self.ours = ours
        self.anchor = anchor
        self.target = target
    }

    static func printTable(_ rows: [Row]) {
        let header = ["measure", "ours", "psql", "ours/psql", "target"]
        let cells = rows.map { row in
            [
                row.name, format(row.ours), row.anchor.map(format) ?? "-",
                row.anchor.map { format(row.ours / $0) + "x" } ?? "-", row.target,
            ]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                index == 0
                    ? value + String(repeating: " ", count: widths[index] - value.count)
                    : String(repeating: " ", count: widths[index] - value.count) + value
            }.joined(separator: "  ")
        }
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells { print(line(row)) }
    }
}
