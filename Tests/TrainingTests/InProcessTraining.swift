import LifelongCore
import LifelongLearning

/// The same training as the service's, in-process: the round's prior on every task's
/// training rows (tasks in name order), each task's start, then each task's model from it.
enum InProcessTraining {
    /// Task models by task name, from the rows of `train` (all tasks, by attribute values).
    static func models(_ train: LabelledSet, rounds: Int = 20, maxDepth: Int = 3, learningRate: Float = 0.3, seed: UInt64 = 7)
        throws -> [String: StoredModel]
    {
        let names = Set((0..<train.rowCount).map { train.attributeKey(ofRow: $0) }).sorted()
        var rowsByTask: [String: LabelledSet] = [:]
        for name in names {
            rowsByTask[name] = train.selecting(rows: (0..<train.rowCount).filter { train.attributeKey(ofRow: $0) == name })
        }
        return try models(tasks: rowsByTask, rounds: rounds, maxDepth: maxDepth, learningRate: learningRate, seed: seed)
    }

    /// Task models by task name, from each task's training rows (rows of one task share their
    /// attribute values; cluster tasks have none).
    static func models(
        tasks rowsByTask: [String: LabelledSet], rounds: Int = 20, maxDepth: Int = 3, learningRate: Float = 0.3, seed: UInt64 = 7
    ) throws -> [String: StoredModel] {
        var configuration = LifelongConfiguration()
        configuration.model.rounds = rounds
        configuration.model.maxDepth = maxDepth
        configuration.model.learningRate = learningRate
        configuration.seed = seed
        configuration.tunesPrior = false
        let names = rowsByTask.keys.sorted()
        var all: LabelledSet?
        for name in names { all = try all.map { try $0.appending(rowsByTask[name]!) } ?? rowsByTask[name]! }
        let training = RoundTraining(configuration: configuration)
        let categories = RoundTraining.categories(
            attributeNames: all!.attributeNames, taskAttributes: names.map { rowsByTask[$0]!.attributes[0] })
        let prior = try training.prior(rows: all!, categories: categories)!
        let spans = names.map { RoundTraining.TaskSpan(name: $0, attributes: rowsByTask[$0]!.attributes[0], rowCount: rowsByTask[$0]!.rowCount) }
        let starts = try training.starts(of: spans, training: Set(names), prior: prior, categories: categories)
        var models: [String: StoredModel] = [:]
        for name in names {
            let rows = rowsByTask[name]!
            models[name] = try training.taskModel(
                name, start: starts[name], attributes: rows.attributes[0], rows: rows, prior: prior.model, categories: categories
            ).model
        }
        return models
    }
}
