import ArgumentParser
import Foundation
import HTTP2Transport
import KnowledgeBase
import LifelongCore
import LifelongLearning
import LifelongProto
import Logging
import PostgresClient
import RPCCore
import Training

/// `make bench-training`: one round of N tasks trained through the services (the KB and
/// training instances served over HTTP/2 on loopback in this process, the queue and the KB
/// on the throwaway PostgreSQL) against the same work in-process with the learning core
/// (`RoundTraining`: prior, global model, each task's model, its eval accuracy). Reports the
/// service overhead and the speed-up from one to two training instances, then one
/// `SUMMARY key=value …` line.
@main
struct TrainingBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training-benchmark", abstract: "Training through the services against the same work in-process.")

    @Option(help: "Tasks (thermal-comfort sites).") var tasks = 50
    @Option(help: "Training samples per task.") var samplesPerTask = 2_000
    @Option(help: "Eval samples per task.") var evalPerTask = 200
    @Option(help: "Boosting rounds of the prior and the corrections.") var rounds = 50
    @Option(help: "Tree depth.") var maxDepth = 4

    func run() async throws {
        var parameters = ScenarioParameters()
        parameters.initialSites = tasks
        parameters.seasons = 1
        parameters.rounds = 1
        parameters.initialSamplesPerTask = samplesPerTask
        parameters.testSamplesPerTask = evalPerTask
        log("generating \(tasks) tasks x \(samplesPerTask) samples")
        let scenario = try ThermalComfortScenario(parameters: parameters)
        let round = scenario.rounds[0]

        log("in-process: the learning core alone")
        let inProcess = try measure { try trainInProcess(round) }

        let connection = try PostgresConfiguration.fromEnvironment()
        let admin = PostgresPool(configuration: PostgresPoolConfiguration(connection: connection))
        defer { admin.close() }
        for schema in ["training_bench_kb", "training_bench_queue"] { try await admin.execute("drop schema if exists \(schema) cascade") }
        var kbConfiguration = KnowledgeBaseConfiguration(postgres: PostgresPoolConfiguration(connection: connection))
        kbConfiguration.schema = "training_bench_kb"
        let kb = KnowledgeBase(configuration: kbConfiguration, logger: Self.silent)
        try await kb.migrate()
        let kbServer = HTTP2Server(configuration: Self.server, router: kb.router)
        let kbPort = try await kbServer.start()
        let kbTransport = HTTP2ClientTransport(host: "127.0.0.1", port: kbPort, configuration: Self.client)
        let kbClient = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbTransport))

        var seconds: [Int: Double] = [:]
        for instances in [1, 2] {
            let job = "bench-\(instances)"
            log("services, \(instances) training instance(s): storing the samples of \(job)")
            try await store(round, job: job, kb: kbClient)
            let trainings = (0..<instances).map { index in
                var pool = PostgresPoolConfiguration(connection: connection)
                pool.maximumConnections = 4
                var configuration = TrainingConfiguration(postgres: pool, workerID: "bench-\(instances)-\(index)")
                configuration.schema = "training_bench_queue"
                configuration.pollInterval = .milliseconds(20)
                return Training(configuration: configuration, knowledgeBase: kbClient, logger: Self.silent)
            }
            for training in trainings { try await training.migrate() }
            var router = RPCRouter()
            router.register(trainings[0].service)
            let server = HTTP2Server(configuration: Self.server, router: router.intercepted(by: trainings[0].interceptors))
            let port = try await server.start()
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: Self.client)
            let client = Lifelong_V1_Training.Client(wrapping: RPCClient(transport: transport))
            let workers = trainings.map { training in Task { await training.worker.work() } }
            log("services, \(instances) training instance(s): training")
            let start = ContinuousClock.now
            let last = try await client.train(request(job: job, schema: round)) { response in
                var last: Lifelong_V1_JobProgressEvent?
                for try await event in response.messages { last = event }
                return last
            }
            seconds[instances] = Self.seconds(since: start)
            guard last?.state == .completed, last?.snapshotVersion == 1 else {
                throw ValidationError("the run did not publish: \(last?.message ?? "no events")")
            }
            for worker in workers { worker.cancel() }
            await transport.close()
            await server.shutdown()
            for training in trainings { training.shutdown() }
        }
        await kbTransport.close()
        await kbServer.shutdown()
        kb.shutdown()

        let overhead = seconds[1]! / inProcess
        let speedUp = seconds[1]! / seconds[2]!
        print("Training one round of \(tasks) tasks x \(samplesPerTask) samples (\(rounds) rounds, depth \(maxDepth)); release build, one run")
        print(pad("measure", 56) + pad("seconds", 10) + pad("ratio", 10) + "target")
        print(pad("in-process (RoundTraining: prior, global, tasks, eval)", 56) + pad(Self.format(inProcess), 10))
        print(pad("services, 1 training instance (Train to FINISHED)", 56) + pad(Self.format(seconds[1]!), 10)
            + pad(Self.format(overhead) + "x", 10) + "<= 1.15x in-process")
        print(pad("services, 2 training instances", 56) + pad(Self.format(seconds[2]!), 10)
            + pad(Self.format(speedUp) + "x", 10) + "speed-up over 1 (report)")
        print(
            "SUMMARY tasks=\(tasks) samples_per_task=\(samplesPerTask) in_process_s=\(Self.format(inProcess)) "
                + "service_1_instance_s=\(Self.format(seconds[1]!)) service_2_instances_s=\(Self.format(seconds[2]!)) "
                + "service_over_in_process=\(Self.format(overhead)) two_over_one_instance_speedup=\(Self.format(speedUp))")
    }

    /// The service's work for new tasks, in-process: the round's models, then each task's
    /// eval predictions.
    func trainInProcess(_ round: ScenarioRound) throws {
        var configuration = LifelongConfiguration()
        configuration.model.rounds = rounds
        configuration.model.maxDepth = maxDepth
        configuration.model.learningRate = 0.3
        configuration.seed = 7
        configuration.tunesPrior = false
        let trained = try RoundTraining(configuration: configuration).trainRound(round.train)
        let test = round.test
        for row in 0..<test.rowCount {
            _ = try trained.tasks[test.attributeKey(ofRow: row)]!.model.model.model.predictClass(test.table.features(ofRow: row))
        }
    }

    /// The round's rows as TRAIN samples and its test rows as EVAL samples, 5,000 per batch.
    func store(_ round: ScenarioRound, job: String, kb: Lifelong_V1_KnowledgeBase.Client) async throws {
        let samples = round.train.samples(job: job, kind: .train, keyPrefix: "train")
            + round.test.samples(job: job, kind: .eval, keyPrefix: "eval")
        _ = try await kb.addSamples { writer in
            for start in stride(from: 0, to: samples.count, by: 5_000) {
                var batch = Lifelong_V1_SampleBatch()
                batch.samples = Array(samples[start..<min(start + 5_000, samples.count)])
                try await writer.write(batch)
            }
        }
    }

    func request(job: String, schema round: ScenarioRound) -> Lifelong_V1_TrainRequest {
        var parameters = Lifelong_V1_TrainingParameters()
        parameters.rounds = Int32(rounds)
        parameters.maxDepth = Int32(maxDepth)
        parameters.learningRate = 0.3
        parameters.seed = 7
        var spec = Lifelong_V1_JobSpec()
        spec.schema = TaskIndex.empty(encoding: round.train.table.encoding, attributeNames: round.train.attributeNames, allocatorKind: .attributes)
            .snapshot().schema
        spec.parameters = parameters
        var request = Lifelong_V1_TrainRequest()
        request.jobId = job
        request.spec = spec
        return request
    }

    func measure(_ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        try body()
        return Self.seconds(since: start)
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data("bench-training: \(text)\n".utf8))
    }

    func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }

    static let silent = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

    static var server: HTTP2ServerConfiguration {
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.maxReceiveMessageBytes = 16 << 20
        configuration.maxSendMessageBytes = 16 << 20
        return configuration
    }

    static var client: HTTP2ClientConfiguration {
        var configuration = HTTP2ClientConfiguration()
        configuration.maxReceiveMessageBytes = 16 << 20
        configuration.maxSendMessageBytes = 16 << 20
        return configuration
    }
}
