import LifelongCore
import LifelongLearning
import LifelongProto

/// A small seeded thermal-comfort scenario (4 sites × 2 seasons = 8 tasks, 150 training rows
/// each) and its rows as contract messages.
struct ScenarioSamples: Sendable {
    let scenario: ThermalComfortScenario

    init(seed: UInt64 = 42) throws {
        var parameters = ScenarioParameters()
        parameters.seed = seed
        parameters.initialSites = 4
        parameters.rounds = 1
        parameters.initialSamplesPerTask = 150
        parameters.testSamplesPerTask = 100
        scenario = try ThermalComfortScenario(parameters: parameters)
    }

    /// Round 0's training rows.
    var train: LabelledSet { scenario.rounds[0].train }
    /// Round 0's test rows (held out: the same tasks, rows never used to define them).
    var test: LabelledSet { scenario.rounds[0].test }

    /// The schema every request carries.
    var schema: Lifelong_V1_FeatureSchema {
        train.table.encoding.schema(attributeNames: train.attributeNames)
    }

    /// Rows as samples: features, attributes and the label (keys: `keyPrefix` + row number).
    static func samples(
        of set: LabelledSet, rows: [Int]? = nil, job: String = "", keyPrefix: String = "s",
        kind: Lifelong_V1_SampleKind = .train
    ) -> [Lifelong_V1_Sample] {
        (rows.map { set.selecting(rows: $0) } ?? set).samples(job: job, kind: kind, keyPrefix: keyPrefix)
    }

    /// A source of inline samples.
    static func source(_ samples: [Lifelong_V1_Sample]) -> Lifelong_V1_SampleSource {
        var source = Lifelong_V1_SampleSource()
        source.samples = samples
        return source
    }

    /// A DefineTasks request over the training rows.
    func defineRequest(
        _ method: Lifelong_V1_TaskDefinitionMethod, minClusters: Int32 = 0, maxClusters: Int32 = 0, seed: Int64 = 7
    ) -> Lifelong_V1_DefineTasksRequest {
        var request = Lifelong_V1_DefineTasksRequest()
        request.source = Self.source(Self.samples(of: train))
        request.schema = schema
        request.method = method
        request.minClusters = minClusters
        request.maxClusters = maxClusters
        request.seed = seed
        return request
    }

    /// The plan of a DefineTasks reply as an index without models (how Training reads it).
    func index(of plan: Lifelong_V1_DefineTasksResponse, detectors: [Lifelong_V1_UnseenTaskDetector] = []) throws -> TaskIndex {
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        var schema = self.schema
        if plan.allocator?.kind == .clusters { schema.attributeNames = [] }
        snapshot.schema = schema
        snapshot.tasks = plan.tasks
        snapshot.allocator = plan.allocator
        snapshot.detectors = detectors
        return try TaskIndex(snapshot: snapshot, models: [:])
    }
}
