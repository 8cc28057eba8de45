public import LifelongLearning

/// The steps of a training round as separate units of work, for a service that spreads them
/// over workers: once per round the shared prior (with its out-of-fold raw scores) and the
/// global model, then each task's model on its own. The trainers are the ones
/// ``LifelongLearner/update(with:timeUs:)`` uses (``TaskPriorTrainer``, ``TaskModelTrainer``),
/// with the same seeds per task, so a task's model depends only on the rows given here.
///
/// ```swift
/// let training = RoundTraining(configuration: configuration)
/// let categories = RoundTraining.categories(attributeNames: rows.attributeNames, taskAttributes: tasks)
/// let prior = try training.prior(rows: allRows, categories: categories)!
/// let (model, _) = try training.taskModel("summer_ac", attributes: ["summer", "ac"], rows: taskRows,
///                                         margins: taskMargins, prior: prior.model, categories: categories)
/// ```
public struct RoundTraining: Sendable {
    /// The settings (model parameters, prior tuning, seed, smallest task with a correction).
    public let configuration: LifelongConfiguration

    /// Creates the steps.
    public init(configuration: LifelongConfiguration) {
        self.configuration = configuration
    }

    /// The shared prior of a round.
    public struct Prior: Sendable {
        /// One model on every task's rows, attributes included as categorical features.
        public var model: GradientBoostedTrees
        /// The prior's raw scores of every row given, each from a prior that did not see it.
        public var margins: [[Float]]
    }

    /// Per attribute column, the categories the prior knows: every task's values.
    /// - Parameters:
    ///   - attributeNames: The attribute columns.
    ///   - taskAttributes: Each task's attribute values, in `attributeNames` order.
    public static func categories(attributeNames: [String], taskAttributes: [[String]]) -> [CategoricalEncoding] {
        TaskPriorTrainer.categories(attributeNames: attributeNames, taskAttributes: taskAttributes)
    }

    /// Trains the prior on every task's rows (tuned by grid search when the configuration says so).
    /// - Parameters:
    ///   - rows: Every task's labelled rows, with their attributes.
    ///   - categories: From ``categories(attributeNames:taskAttributes:)``.
    /// - Returns: The prior and its out-of-fold raw scores; nil when the rows hold fewer than two classes.
    /// - Throws: `LifelongError.learning` when training fails.
    public func prior(rows: LabelledSet, categories: [CategoricalEncoding]) throws -> Prior? {
        let table = TaskPriorTrainer.priorTable(rows, attributeNames: rows.attributeNames, categories: categories)
        let parameters = configuration.tunesPrior
            ? try GridSearch(base: configuration.model, seed: configuration.seed).best(for: table) : configuration.model
        let trainer = priorTrainer
        guard let model = try trainer.trainPrior(table, parameters: parameters, seed: configuration.seed) else { return nil }
        return Prior(model: model, margins: try trainer.outOfFoldMargins(table, parameters: parameters, seed: configuration.seed))
    }

    /// The global model: one model on every row, attributes left out (the index's fallback).
    /// - Returns: nil when the rows hold fewer than two classes.
    public func globalModel(rows: LabelledSet) throws -> StoredModel? {
        try TaskModelTrainer(parameters: configuration.model).trainOwn(rows.table, seed: configuration.seed).map { try StoredModel($0) }
    }

    /// One task's model: the prior specialized to the task's attribute values, plus the
    /// correction rounds its rows earn by inner validation.
    /// - Parameters:
    ///   - task: The task's name (it seeds the correction).
    ///   - attributes: The task's attribute values.
    ///   - rows: The task's labelled rows.
    ///   - margins: The prior's out-of-fold raw scores of those rows (from ``prior(rows:categories:)``).
    ///   - prior: The round's prior.
    ///   - categories: The categories the prior was trained with.
    /// - Returns: The model and the correction rounds it kept.
    /// - Throws: `LifelongError.learning` when training fails.
    public func taskModel(
        _ task: String, attributes: [String], rows: LabelledSet, margins: [[Float]]?, prior: GradientBoostedTrees,
        categories: [CategoricalEncoding]
    ) throws -> (model: StoredModel, correctionRounds: Int) {
        let taskPrior = try priorTrainer.taskPrior(
            prior, attributeNames: rows.attributeNames, values: attributes, categories: categories, encoding: rows.table.encoding)
        let (model, rounds) = try priorTrainer.taskModel(
            prior: taskPrior, rows: rows.table, margins: margins, seed: configuration.seed ^ LifelongLearner.hash(task))
        return (try StoredModel(.gradientBoostedTrees(model)), rounds)
    }

    /// A whole round in-process, as a training service spreads it over units: tasks (by
    /// attribute key) in name order, each task's rows in their order in `rows`; the prior and
    /// the global model on all rows, then each task's model.
    /// - Returns: Each task's model and its rows; the global model.
    /// - Throws: `LifelongError.learning` when training fails; `.emptyData` for rows of one class.
    public func trainRound(_ rows: LabelledSet) throws -> (tasks: [String: (model: StoredModel, rows: LabelledSet)], global: StoredModel?) {
        let names = Set((0..<rows.rowCount).map { rows.attributeKey(ofRow: $0) }).sorted()
        var rowsByTask: [String: [Int]] = [:]
        for row in 0..<rows.rowCount { rowsByTask[rows.attributeKey(ofRow: row), default: []].append(row) }
        let taskRows = names.map { rows.selecting(rows: rowsByTask[$0]!) }
        var all = taskRows[0]
        for task in taskRows.dropFirst() { all = try all.appending(task) }
        let categories = Self.categories(attributeNames: rows.attributeNames, taskAttributes: taskRows.map { $0.attributes[0] })
        guard let prior = try prior(rows: all, categories: categories) else {
            throw LifelongError(.emptyData, "the rows hold fewer than two classes")
        }
        var models: [String: (model: StoredModel, rows: LabelledSet)] = [:]
        var offset = 0
        for (name, task) in zip(names, taskRows) {
            let margins = Array(prior.margins[offset..<(offset + task.rowCount)])
            let model = try taskModel(
                name, attributes: task.attributes[0], rows: task, margins: margins, prior: prior.model, categories: categories)
            models[name] = (model.model, task)
            offset += task.rowCount
        }
        return (models, try globalModel(rows: all))
    }

    private var priorTrainer: TaskPriorTrainer {
        TaskPriorTrainer(parameters: configuration.model, folds: 3, minCorrectionRows: configuration.minTaskSize)
    }
}
