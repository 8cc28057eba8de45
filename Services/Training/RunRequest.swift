import LifelongCore
import LifelongLearning
import LifelongProto

/// A `TrainRequest` checked field by field, with what a run needs from it: the learner's
/// configuration, the evaluation gate and the sample rules. Every rejection names its field.
struct RunRequest: Sendable {
    var jobID: String
    var baseVersion: Int64
    var sinceSequence: Int64
    var taskNames: [String]
    /// The job's schema from the spec; nil: the base snapshot's.
    var schema: JobSchema?
    var configuration: LifelongConfiguration
    /// Fewest training rows a task needs to be trained.
    var minTaskSamples: Int
    /// Share of a task's labelled rows that trains when it has no eval samples.
    var trainFraction: Double
    var gate: EvaluationGate
    /// Clustering's cluster-count range (0…0: task mining's default); nil: attribute tasks.
    var clusters: ClosedRange<Int32>?
    /// A clustering run's plan given in the request (checked); nil: the base's, else task mining's.
    var plan: Lifelong_V1_DefineTasksResponse?

    /// Whether tasks are clusters from a TaskMining plan rather than attribute values.
    var definesClusters: Bool { clusters != nil }

    static let maximumIdentifierBytes = 256
    static let maximumRequestIDBytes = 128
    static let defaultMinTaskSamples = 10
    static let defaultTrainFraction = 0.8

    /// Checks a request.
    /// - Throws: ``TrainingError`` INVALID_ARGUMENT naming the field.
    init(validating request: Lifelong_V1_TrainRequest) throws {
        try Self.identifier(request.jobId, field: "job_id")
        guard request.requestId.utf8.count <= Self.maximumRequestIDBytes else {
            throw TrainingError.invalid("request_id", "at most \(Self.maximumRequestIDBytes) bytes")
        }
        guard request.baseVersion >= 0 else { throw TrainingError.invalid("base_version", "must be >= 0") }
        guard request.sinceSequence >= 0 else { throw TrainingError.invalid("since_sequence", "must be >= 0") }
        for (index, name) in request.taskNames.enumerated() { try Self.identifier(name, field: "task_names[\(index)]") }
        jobID = request.jobId
        baseVersion = request.baseVersion
        sinceSequence = request.sinceSequence
        taskNames = request.taskNames
        let spec = request.spec ?? Lifelong_V1_JobSpec()
        clusters = try Self.clusterRange(spec)
        if let schema = spec.schema {
            self.schema = try JobSchema(schema, field: "spec.schema", attributeTasks: clusters == nil)
        } else if request.baseVersion == 0 {
            throw TrainingError.invalid("spec.schema", "a first round (base_version 0) needs the job's schema")
        }
        if let plan = request.plan {
            try Self.checkPlan(plan, clusters: clusters != nil, schema: schema)
        }
        plan = request.plan
        configuration = try Self.configuration(spec)
        guard spec.minTaskSamples >= 0 else { throw TrainingError.invalid("spec.min_task_samples", "must be >= 0") }
        minTaskSamples = spec.minTaskSamples > 0 ? Int(spec.minTaskSamples) : Self.defaultMinTaskSamples
        guard spec.trainFraction >= 0, spec.trainFraction < 1 else {
            throw TrainingError.invalid("spec.train_fraction", "must be in [0, 1) (0 = \(Self.defaultTrainFraction))")
        }
        trainFraction = spec.trainFraction > 0 ? spec.trainFraction : Self.defaultTrainFraction
        guard spec.minAccuracy >= 0, spec.minAccuracy <= 1 else {
            throw TrainingError.invalid("spec.min_accuracy", "must be in [0, 1]")
        }
        guard spec.minImprovement >= -1, spec.minImprovement <= 1 else {
            throw TrainingError.invalid("spec.min_improvement", "must be in [-1, 1]")
        }
        gate = EvaluationGate(minAccuracy: spec.minAccuracy, minImprovement: spec.minImprovement)
    }

    /// The cluster-count range of a clustering spec; nil for attribute tasks.
    /// - Throws: ``TrainingError`` INVALID_ARGUMENT naming `spec.task_definition`,
    ///   `spec.min_clusters` or `spec.max_clusters`.
    static func clusterRange(_ spec: Lifelong_V1_JobSpec) throws -> ClosedRange<Int32>? {
        switch spec.taskDefinition {
        case .unspecified, .attributes:
            return nil
        case .clustering:
            if spec.minClusters == 0, spec.maxClusters == 0 { return 0...0 }
            guard spec.minClusters >= 1 else {
                throw TrainingError.invalid("spec.min_clusters", "must be >= 1 when max_clusters is set (both 0 = default)")
            }
            guard spec.maxClusters >= spec.minClusters, spec.maxClusters <= maximumClusters else {
                throw TrainingError.invalid("spec.max_clusters", "must be in min_clusters…\(maximumClusters)")
            }
            return spec.minClusters...spec.maxClusters
        default:
            throw TrainingError.invalid("spec.task_definition", "must be ATTRIBUTES or CLUSTERING")
        }
    }

    /// The largest cluster count a spec may ask for (task mining's default limit).
    static let maximumClusters: Int32 = 64

    /// The learner's configuration: the spec's model parameters where set (then the prior is
    /// not tuned), the learner's defaults and a tuned prior otherwise.
    static func configuration(_ spec: Lifelong_V1_JobSpec) throws -> LifelongConfiguration {
        var configuration = LifelongConfiguration()
        guard spec.detectorFalsePositiveRate >= 0, spec.detectorFalsePositiveRate < 1 else {
            throw TrainingError.invalid("spec.detector_false_positive_rate", "must be in [0, 1)")
        }
        if spec.detectorFalsePositiveRate > 0 { configuration.targetFalsePositiveRate = spec.detectorFalsePositiveRate }
        guard let parameters = spec.parameters else { return configuration }
        var model = configuration.model
        func check(_ ok: Bool, _ field: String, _ expectation: String) throws {
            if !ok { throw TrainingError.invalid("spec.parameters.\(field)", "must be \(expectation)") }
        }
        try check(parameters.rounds >= 0 && parameters.rounds <= 10_000, "rounds", "in [0, 10000] (0 = default)")
        try check(parameters.maxDepth >= 0 && parameters.maxDepth <= 16, "max_depth", "in [0, 16] (0 = default)")
        try check(parameters.learningRate >= 0 && parameters.learningRate <= 1, "learning_rate", "in [0, 1] (0 = default)")
        try check(parameters.minChildWeight >= 0, "min_child_weight", ">= 0")
        try check(parameters.lambda >= 0, "lambda", ">= 0")
        try check(parameters.gamma >= 0, "gamma", ">= 0")
        try check(parameters.subsample >= 0 && parameters.subsample <= 1, "subsample", "in [0, 1] (0 = default)")
        try check(parameters.colsample >= 0 && parameters.colsample <= 1, "colsample", "in [0, 1] (0 = default)")
        try check(parameters.earlyStoppingRounds >= 0, "early_stopping_rounds", ">= 0")
        if parameters.rounds > 0 {
            model.rounds = Int(parameters.rounds)
            configuration.tunesPrior = false
        }
        if parameters.maxDepth > 0 { model.maxDepth = Int(parameters.maxDepth) }
        if parameters.learningRate > 0 { model.learningRate = Float(parameters.learningRate) }
        if parameters.minChildWeight > 0 { model.minChildWeight = Float(parameters.minChildWeight) }
        if parameters.lambda > 0 { model.l2Lambda = Float(parameters.lambda) }
        if parameters.gamma > 0 { model.gamma = Float(parameters.gamma) }
        if parameters.subsample > 0 { model.rowSubsample = Float(parameters.subsample) }
        if parameters.colsample > 0 { model.columnSubsample = Float(parameters.colsample) }
        if parameters.earlyStoppingRounds > 0 { model.earlyStoppingRounds = Int(parameters.earlyStoppingRounds) }
        configuration.seed = UInt64(bitPattern: parameters.seed)
        configuration.model = model
        do {
            try configuration.validate()
        } catch {
            throw TrainingError.invalid("spec.parameters", "\(error)")
        }
        return configuration
    }

    static func identifier(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw TrainingError.invalid(field, "must not be empty") }
        guard value.utf8.count <= maximumIdentifierBytes else {
            throw TrainingError.invalid(field, "at most \(maximumIdentifierBytes) bytes")
        }
    }
}
