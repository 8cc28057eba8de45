import Foundation
import LifelongProto
import ProcessTestSupport
import SampleFiles
import ServiceHostTesting
import ServiceAuth
import Testing

/// The client commands of `lifelong`, run as the built binary against doubles of the gateway
/// and an edge node hosted in-process over real HTTP/2 on loopback.
@Suite("lifelong client commands")
struct ClientCommandTests {
    static let labelled = """
        site,temp,clothing,comfort
        north,21.5,light,ok
        south,NA,heavy,cold
        north,25,light,hot
        south,19,heavy,cold
        north,20,light,ok
        """

    /// A temporary folder with `files`, removed after `body`.
    static func withFiles<T>(_ files: [String: String], _ body: (URL) async throws -> T) async throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-client-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, text) in files { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        return try await body(folder)
    }

    /// Hosts the doubles and runs `body` with the gateway and `--gateway` arguments.
    static func withGateway<T: Sendable>(
        _ body: @Sendable (CLIGatewayDouble, [String], Int) async throws -> T
    ) async throws -> T {
        let gateway = CLIGatewayDouble()
        return try await TestServiceHost.withRunning(services: [gateway, EdgeInferenceDouble()]) { running in
            try await body(gateway, ["--gateway", "127.0.0.1:\(running.port)"], running.port)
        }
    }

    /// The schema `labelled` infers, as a job `job-1` of the double.
    static func addJob(to gateway: CLIGatewayDouble) throws {
        let file = try SampleFile(name: "round-1.csv", bytes: Array(labelled.utf8))
        var job = Lifelong_V1_Job()
        job.id = "job-1"
        var spec = Lifelong_V1_JobSpec()
        spec.name = "comfort"
        spec.schema = try file.inferSchema(label: "comfort", attributes: ["site"])
        job.spec = spec
        job.deployedVersion = 1
        gateway.state.withLock { $0.jobs[job.id] = job }
    }

    @Test("job create sends the schema inferred from the file, the trigger, and the token as bearer metadata")
    func jobCreate() async throws {
        let admin = TestServiceHost.token(.admin).value
        try await Self.withFiles(["round-1.csv": Self.labelled, "token": admin + "\n"]) { folder in
            try await Self.withGateway { gateway, address, _ in
                let run = try await CLIProcess.run([
                    "job", "create", "--name", "comfort", "--data", folder.appendingPathComponent("round-1.csv").path, "--label", "comfort",
                    "--attributes", "site", "--min-samples", "20", "--period", "600", "--window", "22:00-06:00", "--egress", "deny",
                    "--edge", "edge-1", "--edge", "edge-2", "--rounds", "30", "--token-file", folder.appendingPathComponent("token").path,
                ] + address)
                #expect(run.status == 0, "\(run.error)")
                #expect(run.output.contains("created job job-1"))
                let (specs, authorizations) = gateway.state.withLock { ($0.createdSpecs, $0.authorizations) }
                let spec = try #require(specs.first)
                let schema = try #require(spec.schema)
                #expect(schema.columns.map(\.name) == ["temp", "clothing"])
                #expect(schema.columns.map(\.kind) == [.numeric, .categorical])
                #expect(schema.columns[1].categories == ["heavy", "light"])
                #expect(schema.classes == ["cold", "hot", "ok"])
                #expect(schema.attributeNames == ["site"])
                #expect(spec.taskDefinition == .attributes)
                #expect(spec.trigger?.comparison == .ge)
                #expect(spec.trigger?.threshold == 20)
                #expect(spec.trigger?.periodSeconds == 600)
                #expect(spec.trigger?.windowStart == "22:00")
                #expect(spec.trigger?.windowEnd == "06:00")
                #expect(spec.egress?.mode == .deny)
                #expect(spec.edgeNodes == ["edge-1", "edge-2"])
                #expect(spec.parameters?.rounds == 30)
                #expect(authorizations == ["Bearer \(admin)"])
            }
        }
    }

    @Test("job create without --rounds asks the training service to tune the prior (rounds 0), and says so")
    func jobCreateTunesThePrior() async throws {
        try await Self.withFiles(["round-1.csv": Self.labelled]) { folder in
            let arguments = [
                "job", "create", "--name", "comfort", "--data", folder.appendingPathComponent("round-1.csv").path, "--label", "comfort",
                "--attributes", "site", "--dry-run",
            ]
            let tuned = try await CLIProcess.run(arguments)
            #expect(tuned.status == 0, "\(tuned.error)")
            #expect(tuned.output.contains("prior:") && tuned.output.contains("tuned by inner validation every round"))
            let fixed = try await CLIProcess.run(arguments + ["--rounds", "40", "--max-depth", "4"])
            #expect(fixed.output.contains("fixed: 40 rounds, depth 4, learning rate 0.1"), "\(fixed.output)")
            let zero = try await CLIProcess.run(arguments + ["--rounds", "0"])
            #expect(zero.status != 0)
        }
    }

    @Test("ingest streams every row in batches, keyed by the sample key rule, encoded with the job's schema")
    func ingest() async throws {
        try await Self.withFiles(["round-1.csv": Self.labelled]) { folder in
            try await Self.withGateway { gateway, address, _ in
                try Self.addJob(to: gateway)
                let path = folder.appendingPathComponent("round-1.csv").path
                let run = try await CLIProcess.run(["ingest", "--job", "job-1", "--batch-size", "2", path] + address)
                #expect(run.status == 0, "\(run.error)")
                #expect(run.output.contains("5 inserted, 0 duplicates"))
                let (samples, batches) = gateway.state.withLock { ($0.ingested, $0.ingestBatches) }
                #expect(batches == 3)
                #expect(samples.map(\.key) == (1...5).map { "round-1:\($0)" })
                #expect(samples.map(\.jobId) == Array(repeating: "job-1", count: 5))
                #expect(samples.allSatisfy { $0.kind == .train })
                #expect(samples[0].features == [21.5, 1])
                #expect(samples[1].features[0].isNaN)
                #expect(samples.map { $0.label?.classIndex } == [2, 0, 1, 0, 2])
                #expect(samples.map { $0.attributes.first?.value } == ["north", "south", "north", "south", "north"])
                let again = try await CLIProcess.run(["ingest", "--job", "job-1", "--kind", "eval", path] + address)
                #expect(again.output.contains("0 inserted, 5 duplicates"), "\(again.error)")
            }
        }
    }

    @Test("label --oracle labels every unlabelled sample whose key the file has, also an edge's <node>/<key>")
    func labelOracle() async throws {
        try await Self.withFiles(["round-2.csv": Self.labelled]) { folder in
            try await Self.withGateway { gateway, address, _ in
                try Self.addJob(to: gateway)
                gateway.state.withLock { state in
                    state.unlabelled = ["edge-1/round-2:1", "round-2:3", "edge-2/other:1"].map { key in
                        var sample = Lifelong_V1_Sample()
                        sample.key = key
                        sample.taskName = "north"
                        return sample
                    }
                }
                let run = try await CLIProcess.run(
                    ["label", "--job", "job-1", "--oracle", folder.appendingPathComponent("round-2.csv").path] + address)
                #expect(run.status == 0, "\(run.error)")
                #expect(run.output.contains("labelled 2 samples"))
                #expect(run.output.contains("1 not in the oracle file"))
                let labels = gateway.state.withLock { $0.labels }
                #expect(labels.map(\.key) == ["edge-1/round-2:1", "round-2:3"])
                #expect(labels.map { $0.label?.classIndex } == [2, 1])
                #expect(labels.map(\.taskName) == ["north", "north"])
                let byHand = try await CLIProcess.run(["label", "--job", "job-1", "edge-2/other:1=cold"] + address)
                #expect(byHand.output.contains("labelled 1 samples"), "\(byHand.error)")
            }
        }
    }

    @Test("fleet lists every node: version served against the latest, counts, transfer ratio")
    func fleet() async throws {
        try await Self.withGateway { gateway, address, _ in
            gateway.state.withLock { state in
                state.fleet = [("edge-1", Int64(3)), ("edge-2", Int64(2))].map { name, version in
                    var entry = Lifelong_V1_FleetEntry()
                    var node = Lifelong_V1_EdgeNode()
                    node.name = name
                    node.snapshotVersion = Int64(version)
                    node.lastSeenUs = Int64(Date().timeIntervalSince1970 * 1_000_000) - 5_000_000
                    entry.node = node
                    entry.jobId = "job-1"
                    entry.latestVersion = 3
                    entry.samplesInferred = 1_000
                    entry.samplesUploaded = 25
                    entry.samplesBuffered = 7
                    entry.samplesTransferRatio = 0.025
                    return entry
                }
            }
            let run = try await CLIProcess.run(["fleet"] + address)
            #expect(run.status == 0, "\(run.error)")
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("node") == true)
            #expect(lines.contains { $0.hasPrefix("edge-1") && $0.contains("0.0250") && $0.contains("ago") })
            #expect(lines.contains { $0.hasPrefix("edge-2") && $0.contains("2 (behind)") })
        }
    }

    @Test("job watch prints events and exits once a version >= --until-version is reported")
    func watch() async throws {
        try await Self.withGateway { gateway, address, _ in
            try Self.addJob(to: gateway)
            gateway.state.withLock { state in
                state.events = (1...3).map { round in
                    var event = Lifelong_V1_JobProgressEvent()
                    event.stage = .train
                    event.state = .running
                    event.kind = .boostingRound
                    event.taskName = "north"
                    event.round = Int32(round)
                    event.rounds = 3
                    return event
                }
                var published = Lifelong_V1_JobProgressEvent()
                published.stage = .deploy
                published.state = .completed
                published.message = "published"
                published.snapshotVersion = 2
                state.events.append(published)
            }
            let run = try await CLIProcess.run(["job", "watch", "job-1", "--until-version", "2", "--timeout", "20"] + address)
            #expect(run.status == 0, "\(run.error)")
            #expect(run.output.contains("round 3/3"))
            #expect(run.output.contains("deploy/completed"))
            #expect(run.output.contains("version 2 is deployed"))
            let timedOut = try await CLIProcess.run(["job", "watch", "job-1", "--until-version", "9", "--timeout", "1"] + address)
            #expect(timedOut.status == 4)
            #expect(timedOut.error.contains("timed out"))
        }
    }

    @Test("infer streams the file through the edge node and reports accuracy, unseen and per-task counts")
    func infer() async throws {
        let rows = "site,temp,clothing,comfort\nnorth,2,light,ok\nsouth,0,heavy,cold\neast,1,light,hot\nnorth,1,light,cold\n"
        try await Self.withFiles(["stream.csv": rows]) { folder in
            try await Self.withGateway { gateway, address, port in
                try Self.addJob(to: gateway)
                let path = folder.appendingPathComponent("stream.csv").path
                for mode in [[], ["--unary"]] {
                    let run = try await CLIProcess.run(["infer", "--edge", "127.0.0.1:\(port)", "--job", "job-1", "--batch-size", "3", path] + mode + address)
                    #expect(run.status == 0, "\(run.error)")
                    #expect(run.output.contains("accuracy 0.7500 on 4 labelled samples"))
                    #expect(run.output.contains("flagged unseen: 1"))
                    #expect(run.output.split(separator: "\n").contains { $0.hasPrefix("north") && $0.contains("2") })
                }
                gateway.state.withLock { state in
                    var entry = Lifelong_V1_FleetEntry()
                    var node = Lifelong_V1_EdgeNode()
                    node.name = "edge-1"
                    entry.node = node
                    entry.jobId = "job-1"
                    state.fleet = [entry]
                }
                let served = try await CLIProcess.run(["infer", "--edge", "127.0.0.1:\(port)", path] + address)
                #expect(served.status == 0, "\(served.error)")
            }
        }
    }

    @Test("edge rollback sends the expected version and reports the version served and the refused ones")
    func edgeRollback() async throws {
        try await Self.withGateway { _, _, port in
            let run = try await CLIProcess.run(["edge", "rollback", "--edge", "127.0.0.1:\(port)", "--from-version", "7"])
            #expect(run.status == 0, "\(run.error)")
            #expect(run.output.contains("serving snapshot version 1; versions up to 7 are refused"))
        }
    }

    @Test("an unreachable gateway is named, with `lifelong up` as the fix, and exit status 3")
    func unreachable() async throws {
        let run = try await CLIProcess.run(["job", "list", "--gateway", "127.0.0.1:1"])
        #expect(run.status == 3)
        #expect(run.error.contains("cannot reach the gateway at 127.0.0.1:1"))
        #expect(run.error.contains("lifelong up"))
        let notFound = try await Self.withGateway { _, address, _ in try await CLIProcess.run(["job", "get", "nope"] + address) }
        #expect(notFound.status == 1)
        #expect(notFound.error.contains("NOT_FOUND") || notFound.error.contains("notFound"), "\(notFound.error)")
    }

    @Test("up --print-plan builds each service's command line: ports, addresses, PostgreSQL, oracle, edges")
    func upPlan() async throws {
        let run = try await CLIProcess.run([
            "up", "--print-plan", "--state-dir", "/tmp/stack-plan", "--job-id", "job-7", "--edges", "2",
            "--oracle-file", "/data/round-2.csv", "--oracle-file", "/data/round-3.csv", "--tick-seconds", "0.5",
            "--postgres-url", "postgresql://u@db:5432/x",
        ])
        #expect(run.status == 0, "\(run.error)")
        let lines = Dictionary(run.output.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { first, _ in first })
        #expect(lines["kb"]?.hasPrefix("lifelong-kb ") == true)
        #expect(lines["kb"]?.contains("--port 7101 --postgres-url postgresql://u@db:5432/x") == true)
        #expect(lines["taskmining"]?.contains("--port 7102 --kb-address 127.0.0.1:7101") == true)
        #expect(lines["training"]?.contains("--kb-address 127.0.0.1:7101 --taskmining-address 127.0.0.1:7102") == true)
        let gateway = try #require(lines["gateway"])
        for part in [
            "--port 7100", "--schema lifelong_gateway", "--training-address 127.0.0.1:7103", "--oracle-file /data/round-2.csv",
            "--oracle-file /data/round-3.csv", "--tick-seconds 0.5",
        ] { #expect(gateway.contains(part), "\(gateway)") }
        #expect(lines["edge-1"]?.contains("--port 7110 --gateway-address 127.0.0.1:7100 --node-id edge-1 --job-id job-7 --store /tmp/stack-plan/edges/edge-1.sqlite") == true)
        #expect(lines["edge-2"]?.contains("--port 7111") == true)
        #expect(lines["edge-3"] == nil)
        let noJob = try await CLIProcess.run(["up", "--print-plan", "--state-dir", "/tmp/stack-plan"])
        #expect(!noJob.output.contains("edge-1"))
    }
}
