import LifelongCore
import LifelongLearning

/// The same training as the service's, in-process (`RoundTraining.trainRound`) with the
/// parameters of ``ScenarioSamples/request(base:requestID:configure:)``.
enum InProcessTraining {
    /// Task models by task name, from the rows of `train` (all tasks, by attribute values);
    /// `tunedPrior`: as a request with rounds 0 asks (the prior tuned by grid search, the
    /// corrections at the default rounds).
    static func models(_ train: LabelledSet, tunedPrior: Bool = false) throws -> [String: StoredModel] {
        try RoundTraining(configuration: tunedPrior ? tunedConfiguration : configuration).trainRound(train).tasks.mapValues(\.model)
    }

    /// The prior a request with rounds 0 trains on the rows of `train` (every task's, by
    /// attribute values; tasks in name order as the service pools them), as bag member
    /// `member` trains it.
    static func tunedPrior(_ train: LabelledSet, member: Int = 0) throws -> RoundTraining.Prior? {
        let tasks = PooledTasks(train)
        return try RoundTraining(configuration: tunedConfiguration.member(member)).prior(rows: tasks.pooled, categories: tasks.categories)
    }

    /// Each task's level shift in the starts in-process training gives the rows of `train`
    /// (``RoundTraining/Start/levelShift``; empty: none).
    static func levelShifts(_ train: LabelledSet) throws -> [String: [Float]] {
        let tasks = PooledTasks(train)
        let training = RoundTraining(configuration: configuration)
        guard let prior = try training.prior(rows: tasks.pooled, categories: tasks.categories) else { return [:] }
        return try training.starts(of: tasks.spans, training: Set(tasks.spans.map(\.name)), prior: prior, categories: tasks.categories)
            .mapValues(\.levelShift)
    }

    /// The rows of `train` pooled as the service pools them: tasks (by attribute values) in name order.
    private struct PooledTasks {
        var pooled: LabelledSet
        var spans: [RoundTraining.TaskSpan]
        var categories: [CategoricalEncoding]

        init(_ train: LabelledSet) {
            var rowsByTask: [String: [Int]] = [:]
            for row in 0..<train.rowCount { rowsByTask[train.attributeKey(ofRow: row), default: []].append(row) }
            let names = rowsByTask.keys.sorted()
            pooled = train.selecting(rows: names.flatMap { rowsByTask[$0]! })
            spans = names.map {
                RoundTraining.TaskSpan(name: $0, attributes: train.attributes[rowsByTask[$0]![0]], rowCount: rowsByTask[$0]!.count)
            }
            categories = RoundTraining.categories(attributeNames: train.attributeNames, taskAttributes: spans.map(\.attributes))
        }
    }

    private static var tunedConfiguration: LifelongConfiguration {
        var configuration = configuration
        configuration.tunesPrior = true
        configuration.model.rounds = LifelongConfiguration.defaultModelParameters.rounds
        return configuration
    }

    /// Task models by task name, from each task's training rows (rows of one task share their
    /// attribute values; cluster tasks have none).
    static func models(tasks rowsByTask: [String: LabelledSet]) throws -> [String: StoredModel] {
        try RoundTraining(configuration: configuration).trainRound(tasks: rowsByTask).tasks.mapValues(\.model)
    }

    private static var configuration: LifelongConfiguration {
        var configuration = LifelongConfiguration()
        configuration.model.rounds = 20
        configuration.model.maxDepth = 3
        configuration.model.learningRate = 0.3
        configuration.seed = 7
        configuration.tunesPrior = false
        return configuration
    }
}
