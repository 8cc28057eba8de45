// `make bench-training` (scripts/training/bench.sh): training through the services — samples in
// lifelong-kb, a run trained by lifelong-training instances on the shared PostgreSQL queue —
// against the same work in-process with the learning core (RoundTraining: prior, starts, task
// models, eval accuracies). Prints the times and their ratio.
//
//   training-benchmark --kb HOST:PORT --training HOST:PORT --job NAME [--tasks 50] [--rows 2000]
//                      [--eval-rows 200] [--rounds 60] [--depth 6] [--no-in-process] [--timeline] [--token-file FILE]
import Foundation
import HTTP2Transport
import LifelongCore
import LifelongLearning
import LifelongProto
import Logging
import RPCCore
import ServiceAuth
import TaskMining

struct Options {
    var kb = "", training = "", job = "", tokenFile = ""
    var tasks = 50, rows = 2000, evalRows = 200, rounds = 60, depth = 6
    var inProcess = true
    /// Print the run's own events (no task), each with its time, after the phases.
    var timeline = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if flag == "--no-in-process" { inProcess = false; continue }
            if flag == "--timeline" { timeline = true; continue }
            guard let value = iterator.next() else { Self.fail("missing value for \(flag)") }
            switch flag {
            case "--kb": kb = value
            case "--training": training = value
            case "--job": job = value
            case "--token-file": tokenFile = value
            case "--tasks": tasks = Int(value) ?? tasks
            case "--rows": rows = Int(value) ?? rows
            case "--eval-rows": evalRows = Int(value) ?? evalRows
            case "--rounds": rounds = Int(value) ?? rounds
            case "--depth": depth = Int(value) ?? depth
            default: Self.fail("unknown flag \(flag)")
            }
        }
        if kb.isEmpty || training.isEmpty || job.isEmpty { Self.fail("--kb, --training and --job are required") }
        if tasks % 2 != 0 { Self.fail("--tasks must be even (sites x 2 seasons)") }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("training-benchmark: \(message)\n".utf8))
        exit(2)
    }
}

/// A client transport to "host:port".
func transport(_ address: String) -> HTTP2ClientTransport {
    let parts = address.split(separator: ":")
    guard parts.count == 2, let port = Int(parts[1]) else { Options.fail("bad address \(address)") }
    return HTTP2ClientTransport(host: String(parts[0]), port: port)
}

let options = Options(CommandLine.arguments)

// The data: thermal comfort, tasks = sites x 2 seasons, `rows` training rows and `evalRows` eval rows each.
var parameters = ScenarioParameters()
parameters.initialSites = options.tasks / 2
parameters.climateZones = min(8, max(1, options.tasks / 2))
parameters.rounds = 0
parameters.initialSamplesPerTask = options.rows
parameters.testSamplesPerTask = options.evalRows
let scenario = try ThermalComfortScenario(parameters: parameters)
let train = scenario.rounds[0].train, eval = scenario.rounds[0].test

var trainingParameters = Lifelong_V1_TrainingParameters()
trainingParameters.rounds = Int32(options.rounds)
trainingParameters.maxDepth = Int32(options.depth)
trainingParameters.learningRate = 0.1
trainingParameters.seed = 7
var configuration = LifelongConfiguration()
configuration.model.rounds = options.rounds
configuration.model.maxDepth = options.depth
configuration.model.learningRate = 0.1
configuration.seed = 7
configuration.tunesPrior = false  // `rounds` set: the service does not tune either

// MARK: Through the services
let kbTransport = transport(options.kb), trainingTransport = transport(options.training)
let token = options.tokenFile.isEmpty ? nil : try BearerToken(contentsOfFile: options.tokenFile)
let kb = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbTransport.authenticated(with: token)))
let training = Lifelong_V1_Training.Client(wrapping: RPCClient(transport: trainingTransport.authenticated(with: token)))

let samples = train.samples(job: options.job, kind: .train, keyPrefix: "train-")
    + eval.samples(job: options.job, kind: .eval, keyPrefix: "eval-")
let ingestStarted = Date()
_ = try await kb.addSamples { writer in
    for chunk in stride(from: 0, to: samples.count, by: 2000) {
        var batch = Lifelong_V1_SampleBatch()
        batch.samples = Array(samples[chunk..<min(chunk + 2000, samples.count)])
        try await writer.write(batch)
    }
}
let ingestSeconds = Date().timeIntervalSince(ingestStarted)

var spec = Lifelong_V1_JobSpec()
spec.name = options.job
spec.schema = TaskIndex.empty(encoding: train.table.encoding, attributeNames: train.attributeNames, allocatorKind: .attributes)
    .snapshot().schema!
spec.parameters = trainingParameters
var request = Lifelong_V1_TrainRequest()
request.jobId = options.job
request.spec = spec
request.requestId = "\(options.job)-bench"

let serviceStarted = Date()
let events = try await training.train(request) { response in
    var events: [Lifelong_V1_JobProgressEvent] = []
    for try await event in response.messages { events.append(event) }
    return events
}
let serviceSeconds = Date().timeIntervalSince(serviceStarted)
// The published plan (tasks, allocator, schema): what the in-process mining below works on.
var latest = Lifelong_V1_GetSnapshotRequest()
latest.jobId = options.job
let plan = try await kb.getSnapshot(latest)
await kbTransport.close()
await trainingTransport.close()
guard let last = events.last, last.state == .completed else {
    Options.fail("the run did not complete: \(events.last.map { "\($0.state) \($0.message)" } ?? "no events")")
}

// MARK: In-process: the same steps on the same rows
// The round (prior, global, starts, task models, eval) and, beside it, what the service's
// publication asks task mining for — relations and groups over every sample, detectors
// calibrated on the eval samples — done by task mining's own code called in-process on the
// published plan.
var inProcessSeconds = Double.nan, inProcessMiningSeconds = Double.nan
var inProcessSteps = ""
if options.inProcess {
    let mining = TaskMining(knowledgeBase: InProcessTransport(router: RPCRouter()), logger: Logger(label: "bench.taskmining"))
    let miner = Lifelong_V1_TaskMining.Client(wrapping: RPCClient(transport: InProcessTransport(router: mining.router)))
    // Task mining needs the tasks' records, not their models: it runs beside the round, as the
    // service's plan unit starts it beside the task units (MiningPrefetch), so both sides may
    // overlap the same work.
    var relations = Lifelong_V1_DiscoverRelationsRequest()
    var allSamples = Lifelong_V1_SampleSource()
    allSamples.samples = samples
    relations.source = allSamples
    relations.tasks = plan.tasks
    relations.allocator = plan.allocator ?? Lifelong_V1_TaskAllocator()
    relations.schema = plan.schema ?? Lifelong_V1_FeatureSchema()
    var detectors = Lifelong_V1_BuildDetectorsRequest()
    var evalSamples = Lifelong_V1_SampleSource()
    evalSamples.samples = samples.filter { $0.kind == .eval }
    detectors.source = evalSamples
    detectors.tasks = plan.tasks
    detectors.allocator = plan.allocator ?? Lifelong_V1_TaskAllocator()
    detectors.schema = plan.schema ?? Lifelong_V1_FeatureSchema()
    detectors.targetFalsePositiveRate = 0.05
    let started = Date()
    let miningRequests = (relations, detectors)
    let miningTask = Task { () async throws -> Double in
        let miningStarted = Date()
        _ = try await miner.discoverRelations(miningRequests.0)
        _ = try await miner.buildDetectors(miningRequests.1)
        return Date().timeIntervalSince(miningStarted)
    }
    var stepsDone: [(RoundTraining.Step, Date)] = []
    let round = try RoundTraining(configuration: configuration).trainRound(train) { stepsDone.append(($0, Date())) }
    inProcessSteps = zip([started] + stepsDone.map(\.1), stepsDone).map { previous, step in
        String(format: "%@ %.2f s", "\(step.0)", step.1.timeIntervalSince(previous))
    }.joined(separator: ", ")
    for (name, task) in round.tasks {
        guard case .gradientBoostedTrees(let trees) = task.model.model else { continue }
        let rows = eval.selecting(rows: (0..<eval.rowCount).filter { eval.attributeKey(ofRow: $0) == name })
        _ = trees.classes(fromBatch: try trees.predict(table: rows.table))
    }
    inProcessMiningSeconds = try await miningTask.value
    inProcessSeconds = Date().timeIntervalSince(started)
}

print(String(format: "job %@: %d tasks x %d training rows (+%d eval rows each), GBDT depth %d, %d rounds", options.job, options.tasks, options.rows, options.evalRows, options.depth, options.rounds))
print(String(format: "  ingest through lifelong-kb (AddSamples, %d samples): %.2f s", samples.count, ingestSeconds))
print(String(format: "  training through the services (Train: plan, %d task units, publish; %d events): %.2f s", options.tasks, events.count, serviceSeconds))
print("  where the service's time went (event time stamps): \(RunPhases(events).description)")
if options.timeline { print(RunPhases.timeline(events)) }
if options.inProcess {
    print(String(format: "  the same work in-process (RoundTraining.trainRound: prior, global, starts, task models, eval; beside it task mining's relations, groups and detectors on the published plan, %.2f s): %.2f s", inProcessMiningSeconds, inProcessSeconds))
    print("  in-process steps: \(inProcessSteps)")
    print(String(format: "  service overhead ratio: %.3f (target <= 1.15)", serviceSeconds / inProcessSeconds))
}
print(String(format: "RESULT job=%@ service_seconds=%.3f in_process_seconds=%.3f ingest_seconds=%.3f", options.job, serviceSeconds, inProcessSeconds, ingestSeconds))
