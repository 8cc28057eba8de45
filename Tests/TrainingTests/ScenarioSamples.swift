import LifelongCore
import LifelongLearning
import LifelongProto
import RPCCore
import Training

/// A small generated scenario (thermal comfort: 3 sites, one season) as KB samples, and the
/// requests that train it.
struct ScenarioSamples: Sendable {
    let scenario: ThermalComfortScenario
    let job: String

    init(job: String, seed: UInt64 = 42) throws {
        var parameters = ScenarioParameters()
        parameters.seed = seed
        parameters.initialSites = 3
        parameters.seasons = 1
        parameters.rounds = 1
        parameters.newSitesPerRound = 1
        parameters.initialSamplesPerTask = 80
        parameters.newSiteSamplesPerTask = 30
        parameters.knownTaskSamplesPerRound = 40
        parameters.testSamplesPerTask = 40
        scenario = try ThermalComfortScenario(parameters: parameters)
        self.job = job
    }

    /// The job's schema, as the index writes it.
    var schema: Lifelong_V1_FeatureSchema {
        TaskIndex.empty(encoding: scenario.encoding, attributeNames: scenario.rounds[0].train.attributeNames, allocatorKind: .attributes)
            .snapshot().schema!
    }

    /// Round `index`'s training rows (kind TRAIN) and test rows (kind EVAL) as samples.
    func samples(round index: Int, relabel: ((Int) -> Int)? = nil, keyPrefix: String = "") -> [Lifelong_V1_Sample] {
        let round = scenario.rounds[index]
        let train = round.train.samples(job: job, kind: .train, keyPrefix: "\(keyPrefix)r\(index)-train").map { sample in
            var sample = sample
            if let relabel, let label = sample.label?.classIndex { sample.label?.classIndex = Int32(relabel(Int(label))) }
            return sample
        }
        return train + round.test.samples(job: job, kind: .eval, keyPrefix: "\(keyPrefix)r\(index)-eval")
    }

    /// Round `index`'s samples with `task`'s preferences turned around (class c → 2 − c, cooler
    /// ↔ warmer), training and eval rows alike: a drift of that task.
    func samples(round index: Int, turningAround task: String) -> [Lifelong_V1_Sample] {
        samples(round: index).map { sample in
            var sample = sample
            if LabelledSet.key(sample.attributes.map(\.value)) == task, let label = sample.label?.classIndex {
                sample.label?.classIndex = 2 - label
            }
            return sample
        }
    }

    /// Round `index`'s samples with `task`'s training labels one class warmer (cooler → no
    /// change → warmer, warmer stays): a task whose level sits apart from its function's.
    func samples(round index: Int, raising task: String) -> [Lifelong_V1_Sample] {
        samples(round: index).map { sample in
            var sample = sample
            if sample.kind == .train, LabelledSet.key(sample.attributes.map(\.value)) == task, let label = sample.label?.classIndex {
                sample.label?.classIndex = Int32(Self.raised(Int(label)))
            }
            return sample
        }
    }

    /// `rows` with `task`'s labels one class warmer, as ``samples(round:raising:)`` gives them.
    static func raising(_ task: String, in rows: LabelledSet) throws -> LabelledSet {
        let labels = (0..<rows.rowCount).map { row in
            rows.attributeKey(ofRow: row) == task ? Float(raised(Int(rows.table.labels[row]))) : rows.table.labels[row]
        }
        let table = try Table(encoding: rows.table.encoding, columns: rows.table.columns, labels: labels)
        return try LabelledSet(table: table, attributeNames: rows.attributeNames, attributes: rows.attributes)
    }

    /// A class one warmer (cooler → no change → warmer; warmer stays).
    private static func raised(_ label: Int) -> Int { min(label + 1, 2) }

    /// A TrainRequest with small, fixed parameters (no prior tuning).
    func request(base: Int64, requestID: String = "", configure: (inout Lifelong_V1_JobSpec) -> Void = { _ in })
        -> Lifelong_V1_TrainRequest
    {
        var parameters = Lifelong_V1_TrainingParameters()
        parameters.rounds = 20
        parameters.maxDepth = 3
        parameters.learningRate = 0.3
        parameters.seed = 7
        var spec = Lifelong_V1_JobSpec()
        spec.name = job
        spec.schema = schema
        spec.parameters = parameters
        configure(&spec)
        var request = Lifelong_V1_TrainRequest()
        request.jobId = job
        request.spec = spec
        request.baseVersion = base
        request.requestId = requestID
        return request
    }
}

extension TrainingEnvironment {
    /// Stores samples in the KB.
    func add(_ samples: [Lifelong_V1_Sample]) async throws {
        _ = try await kb.addSamples { writer in
            var batch = Lifelong_V1_SampleBatch()
            batch.samples = samples
            try await writer.write(batch)
        }
    }

    /// Every event of a run until the one that ends it.
    func events(of run: String, client: Lifelong_V1_Training.Client? = nil) async throws -> [Lifelong_V1_JobProgressEvent] {
        var request = Lifelong_V1_GetTrainingRequest()
        request.id = run
        return try await (client ?? training).watchTraining(request) { response in
            var events: [Lifelong_V1_JobProgressEvent] = []
            for try await event in response.messages { events.append(event) }
            return events
        }
    }

    /// Trains through the streaming call and returns its events.
    func train(_ request: Lifelong_V1_TrainRequest) async throws -> [Lifelong_V1_JobProgressEvent] {
        try await training.train(request) { response in
            var events: [Lifelong_V1_JobProgressEvent] = []
            for try await event in response.messages { events.append(event) }
            return events
        }
    }

    func run(_ id: String) async throws -> Lifelong_V1_TrainingRun {
        var request = Lifelong_V1_GetTrainingRequest()
        request.id = id
        return try await training.getTraining(request)
    }

    /// A snapshot and its models, as an index.
    func index(version: Int64, job: String) async throws -> (Lifelong_V1_TaskIndexSnapshot, TaskIndex) {
        var request = Lifelong_V1_GetSnapshotRequest()
        request.jobId = job
        request.version = version
        let snapshot = try await kb.getSnapshot(request)
        var models: [String: [UInt8]] = [:]
        let digests = snapshot.assignments.compactMap { $0.model?.sha256 } + [snapshot.globalModel?.sha256].compactMap { $0 }
        for digest in digests where !digest.isEmpty && models[digest] == nil {
            models[digest] = try await modelBytes(digest)
        }
        return (snapshot, try TaskIndex(snapshot: snapshot, models: models))
    }

    func modelBytes(_ sha256: String) async throws -> [UInt8] {
        var request = Lifelong_V1_GetModelRequest()
        request.sha256 = sha256
        return try await kb.getModel(request) { response in
            var bytes: [UInt8] = []
            for try await chunk in response.messages { bytes += chunk.data }
            return bytes
        }
    }
}

