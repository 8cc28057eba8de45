import LifelongCore
import LifelongProto

/// A small thermal-comfort scenario for the loop: `initialSites` sites learned first, then
/// new sites that only edges see at first.
struct LoopScenario: Sendable {
    let scenario: ThermalComfortScenario
    let job: String

    init(job: String, seed: UInt64 = 11) throws {
        var parameters = ScenarioParameters()
        parameters.seed = seed
        parameters.initialSites = 3
        parameters.seasons = 1
        parameters.rounds = 1
        parameters.newSitesPerRound = 2
        parameters.initialSamplesPerTask = 120
        parameters.newSiteSamplesPerTask = 60
        parameters.knownTaskSamplesPerRound = 0
        parameters.testSamplesPerTask = 60
        scenario = try ThermalComfortScenario(parameters: parameters)
        self.job = job
    }

    var attributeNames: [String] { scenario.rounds[0].train.attributeNames }

    /// The job's spec: attribute tasks, small fixed parameters, a count trigger.
    func spec(threshold: Double) -> Lifelong_V1_JobSpec {
        var spec = Lifelong_V1_JobSpec()
        spec.name = job
        spec.schema = TaskIndex.empty(encoding: scenario.encoding, attributeNames: attributeNames, allocatorKind: .attributes)
            .snapshot().schema!
        var parameters = Lifelong_V1_TrainingParameters()
        parameters.rounds = 30
        parameters.maxDepth = 3
        parameters.learningRate = 0.3
        parameters.seed = 7
        spec.parameters = parameters
        var trigger = Lifelong_V1_TrainTrigger()
        trigger.metric = "num_of_samples"
        trigger.comparison = .ge
        trigger.threshold = threshold
        spec.trigger = trigger
        return spec
    }

    /// The initial sites' rows: training rows without a kind (the gateway splits them) and test rows.
    var initialTrain: [Lifelong_V1_Sample] { unkinded(scenario.rounds[0].train.samples(job: job, kind: .train, keyPrefix: "init-")) }
    var initialTest: [Lifelong_V1_Sample] { scenario.rounds[0].test.samples(job: job, kind: .eval, keyPrefix: "init-test-") }

    /// The new sites' rows as edges see them, and their test rows.
    var newSiteStream: [Lifelong_V1_Sample] { onlyNewSites(scenario.rounds[1].train.samples(job: job, kind: .train, keyPrefix: "new-")) }
    var newSiteTest: [Lifelong_V1_Sample] { onlyNewSites(scenario.rounds[1].test.samples(job: job, kind: .eval, keyPrefix: "new-test-")) }

    private var initialTasks: Set<String> {
        Set(scenario.rounds[0].train.attributes.map { LabelledSet.key($0) })
    }

    private func onlyNewSites(_ samples: [Lifelong_V1_Sample]) -> [Lifelong_V1_Sample] {
        samples.filter { !initialTasks.contains(LabelledSet.key(LabelledSet.attributeValues(of: $0, attributeNames: attributeNames))) }
    }

    private func unkinded(_ samples: [Lifelong_V1_Sample]) -> [Lifelong_V1_Sample] {
        samples.map { sample in
            var sample = sample
            sample.kind = .unspecified
            return sample
        }
    }

    /// A sample as an inference input.
    static func input(_ sample: Lifelong_V1_Sample) -> Lifelong_V1_InferenceInput {
        var input = Lifelong_V1_InferenceInput()
        input.key = sample.key
        input.features = sample.features
        input.attributes = sample.attributes
        return input
    }
}
