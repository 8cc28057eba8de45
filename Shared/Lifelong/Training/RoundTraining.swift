public import LifelongLearning

/// The steps of a training round as separate units of work: once per round the shared prior
/// and the global model, then each task's start and model on its own. ``LifelongLearner``
/// runs them in one process; the training service spreads the per-task steps over workers.
/// Both go through this type, so a task's model depends only on the rows and the prior given
/// here, wherever it is trained.
///
/// ```swift
/// let training = RoundTraining(configuration: configuration)
/// let categories = RoundTraining.categories(attributeNames: rows.attributeNames, taskAttributes: tasks)
/// let prior = try training.prior(rows: allRows, categories: categories)!
/// let start = try training.start(rows: 0..<300, attributes: ["summer", "ac"], neighbours: [], prior: prior,
///                                categories: categories)
/// let (model, _) = try training.taskModel("summer_ac", start: start, attributes: ["summer", "ac"], rows: taskRows,
///                                         prior: prior.model, categories: categories)
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
        /// The priors that did not see each row, for scoring starts out of fold.
        var crossFitted: TaskPriorTrainer.CrossFittedPriors
        /// The rows the prior was trained on, over the model features.
        var table: Table
        /// The attribute columns the prior sees as features.
        var attributeNames: [String]
        /// The parameters it was trained with (after tuning).
        var parameters: GradientBoostingParameters
        /// The rows it was trained on with the attribute columns as features.
        var trainingTable: Table
    }

    /// Where a task's correction starts: the prior specialized to the task's own attribute
    /// values (or, hedged, the mean of that and the prior specialized to a better-known
    /// neighbour's), shifted to the task's level, with the task's rows' out-of-fold raw scores
    /// under it.
    public struct Start: Sendable {
        /// The attribute values of the task the start borrows from: the task's own (the prior
        /// specialized to them), or a neighbour's — then the start is the mean of the prior
        /// specialized to the task's own values and to the neighbour's, a hedge
        /// (``RoundTraining/start(rows:attributes:neighbours:prior:categories:)``).
        public var attributes: [String]
        /// The raw scores of the task's rows, each from a prior that did not see the row
        /// (before the level shift; for a borrowed start, the mean of both specializations' scores).
        public var margins: [[Float]]
        /// The factor on the task's correction (1: as trained; 0: the start alone), set by
        /// ``RoundTraining/starts(of:training:prior:categories:)`` from the round's credibility
        /// (0 for every task of a round whose steps do not pay, ``RoundGate``).
        public var correctionScale: Float
        /// Per raw score, the task's level against the specialized prior (``TaskLevelShift``),
        /// set by ``RoundTraining/starts(of:training:prior:categories:)``; empty: none.
        public var levelShift: [Float]

        /// Creates a start.
        public init(attributes: [String], margins: [[Float]], correctionScale: Float = 1, levelShift: [Float] = []) {
            self.attributes = attributes
            self.margins = margins
            self.correctionScale = correctionScale
            self.levelShift = levelShift
        }

        /// The raw scores the task's correction continues from: `margins` shifted to the level.
        public var shiftedMargins: [[Float]] { TaskLevelShift.apply(levelShift, to: margins) }
    }

    /// Per attribute column, the categories the prior knows: every task's values.
    /// - Parameters:
    ///   - attributeNames: The attribute columns.
    ///   - taskAttributes: Each task's attribute values, in `attributeNames` order.
    public static func categories(attributeNames: [String], taskAttributes: [[String]]) -> [CategoricalEncoding] {
        TaskPriorTrainer.categories(attributeNames: attributeNames, taskAttributes: taskAttributes)
    }

    /// Trains the prior on every task's rows, tuned by grid search on them when the
    /// configuration says so (``GridSearch``: each update, each bag member, searches afresh).
    /// - Parameters:
    ///   - rows: Every task's labelled rows, with their attributes, each task's rows together.
    ///   - categories: From ``categories(attributeNames:taskAttributes:)``.
    /// - Returns: The prior and its out-of-fold raw scores; nil when the rows hold fewer than two classes.
    /// - Throws: `LifelongError.learning` when training fails.
    public func prior(rows: LabelledSet, categories: [CategoricalEncoding]) throws -> Prior? {
        let table = TaskPriorTrainer.priorTable(rows, attributeNames: rows.attributeNames, categories: categories)
        guard configuration.tunesPrior else { return try prior(table, rows: rows, parameters: configuration.model) }
        let search = GridSearch.ofPriorTable(base: configuration.model, seed: configuration.seed, attributeNames: rows.attributeNames)
        return try prior(table, rows: rows, parameters: try search.best(for: table))
    }

    /// ``prior(rows:categories:)`` with the parameters of an earlier prior of the round (no new
    /// grid search): after a task's outdated rows were retired.
    public func prior(rows: LabelledSet, categories: [CategoricalEncoding], like earlier: Prior) throws -> Prior? {
        let table = TaskPriorTrainer.priorTable(rows, attributeNames: rows.attributeNames, categories: categories)
        return try prior(table, rows: rows, parameters: earlier.parameters)
    }

    private func prior(_ table: Table, rows: LabelledSet, parameters: GradientBoostingParameters) throws -> Prior? {
        let trainer = priorTrainer
        guard let model = try trainer.trainPrior(table, parameters: parameters, seed: configuration.seed) else { return nil }
        let crossFitted = try trainer.crossFittedPriors(table, parameters: parameters, seed: configuration.seed)
        // A fold too small for two classes has no prior: its rows get no out-of-fold scores.
        let margins = try crossFitted.margins(of: table, rows: 0..<table.rowCount) { $1 }
            ?? [[Float]](repeating: [], count: table.rowCount)
        return Prior(
            model: model, margins: margins, crossFitted: crossFitted, table: rows.table, attributeNames: rows.attributeNames,
            parameters: parameters, trainingTable: table)
    }

    /// Whether a known task's earlier rows no longer describe it (its function drifted). Two
    /// tests, each at the level ``DriftTest/significance`` (1 %), on the out-of-fold scores of
    /// the prior's fold priors specialized to the task (they learned from both its earlier and
    /// its new rows); the rows are outdated when either rejects:
    /// 1. **The level** (``DriftTest/levelMoved(newMargins:newLabels:earlierMargins:earlierLabels:)``):
    ///    the score shift each set of rows needs (calibration in the large, ``ScoreShift``)
    ///    differs between the new and the earlier rows, by a Wald test. Without drift the
    ///    prior is off by the same amount on both; a task whose level moved (a shop that now
    ///    sells less at every price) needs another shift on its new rows. Few parameters, so
    ///    80 new rows show a moderate drift.
    /// 2. **Any other change** (``DriftTest/fitsBetterWithout(_:than:)``): fold priors trained
    ///    on the same rows without the task's earlier rows (same folds, same parameters) fit the
    ///    new rows better than the prior's, by more than the one-sided 1 % quantile of the
    ///    paired per-row loss differences' standard error — for changes that keep the level,
    ///    such as answers that turned around. Trained only when the first test does not reject.
    /// - Parameters:
    ///   - earlierRows: The task's earlier rows among those the prior was trained on.
    ///   - newRows: The task's rows of this round among them.
    ///   - attributes: The task's attribute values.
    ///   - prior: The round's prior (trained on both).
    ///   - categories: The categories the prior was trained with.
    /// - Throws: `LifelongError.learning` when training fails.
    public func outdates(
        earlierRows: [Int], newRows: [Int], attributes: [String], prior: Prior, categories: [CategoricalEncoding]
    ) throws -> Bool {
        let trainer = priorTrainer
        guard !earlierRows.isEmpty, newRows.count >= max(trainer.minCorrectionRows, trainer.folds) else { return false }
        let specialize = { (model: GradientBoostedTrees) in
            try self.specialize(
                model, to: attributes, attributeNames: prior.attributeNames, encoding: prior.table.encoding, categories: categories)
        }
        guard let keeping = try prior.crossFitted.margins(of: prior.table, rows: newRows, transform: { try specialize($1) }),
            let earlier = try prior.crossFitted.margins(of: prior.table, rows: earlierRows, transform: { try specialize($1) })
        else { return false }
        let labels = newRows.map { Int(prior.table.labels[$0]) }
        if DriftTest.levelMoved(
            newMargins: keeping, newLabels: labels, earlierMargins: earlier,
            earlierLabels: earlierRows.map { Int(prior.table.labels[$0]) })
        {
            return true
        }
        let table = prior.trainingTable
        let earlierSet = Set(earlierRows)
        let kept = (0..<table.rowCount).filter { !earlierSet.contains($0) }
        let leavingOut = try trainer.crossFittedPriors(
            table, keeping: kept, folds: prior.crossFitted.foldOfRow, parameters: prior.parameters, seed: configuration.seed)
        guard let forgetting = try leavingOut.margins(of: prior.table, rows: newRows, transform: { try specialize($1) }) else {
            return false
        }
        return DriftTest.fitsBetterWithout(
            TaskPriorTrainer.rowLosses(margins: forgetting, labels: labels),
            than: TaskPriorTrainer.rowLosses(margins: keeping, labels: labels))
    }

    /// The global model: one model on every row, attributes left out (the index's fallback).
    /// - Returns: nil when the rows hold fewer than two classes.
    public func globalModel(rows: LabelledSet) throws -> StoredModel? {
        try TaskModelTrainer(parameters: configuration.model).trainOwn(rows.table, seed: configuration.seed).map { try StoredModel($0) }
    }

    /// A task's start: the prior specialized to its own attribute values, or — when a
    /// neighbour's specialization fits the task's rows clearly better out of fold
    /// (``TaskPriorTrainer/bestStart(_:labels:)``) — the mean of its own and that neighbour's.
    /// The hedge: the choice among neighbours is made on a few rows, and a neighbour that fit
    /// them by chance pulls the task only half-way; where the neighbour is right, the
    /// correction and the level shift continue from scores already half-way there.
    /// - Parameters:
    ///   - rows: The task's rows among those the prior was trained on.
    ///   - attributes: The task's attribute values.
    ///   - neighbours: Attribute values of tasks it may start from instead (e.g. the tasks
    ///     with more rows).
    ///   - prior: The round's prior.
    ///   - categories: The categories the prior was trained with.
    /// - Throws: `LifelongError.learning` when specializing fails.
    public func start(
        rows: Range<Int>, attributes: [String], neighbours: [[String]], prior: Prior, categories: [CategoricalEncoding]
    ) throws -> Start {
        Self.choose(
            from: try startCandidates(rows: rows, attributes: attributes, neighbours: neighbours, prior: prior, categories: categories),
            labels: rows.map { Int(prior.table.labels[$0]) })
    }

    /// The starts a task may take, its own first: the prior specialized to its own values and
    /// to each neighbour's, with the task's rows' out-of-fold raw scores under each. Without a
    /// prior per fold, only its own, with the full prior's in-sample scores.
    private func startCandidates(
        rows: Range<Int>, attributes: [String], neighbours: [[String]], prior: Prior, categories: [CategoricalEncoding]
    ) throws -> [Start] {
        func margins(_ values: [String]) throws -> [[Float]]? {
            try prior.crossFitted.margins(of: prior.table, rows: rows) { _, model in
                try specialize(
                    model, to: values, attributeNames: prior.attributeNames, encoding: prior.table.encoding, categories: categories)
            }
        }
        guard let own = try margins(attributes) else {
            let model = try specialize(
                prior.model, to: attributes, attributeNames: prior.attributeNames, encoding: prior.table.encoding,
                categories: categories)
            return [Start(attributes: attributes, margins: try rows.map { try model.rawScores(prior.table.features(ofRow: $0)) })]
        }
        var candidates = [Start(attributes: attributes, margins: own)]
        for values in neighbours where values != attributes {
            if let scores = try margins(values) { candidates.append(Start(attributes: values, margins: scores)) }
        }
        return candidates
    }

    /// The start among `candidates` (own first) that ``TaskPriorTrainer/bestStart(_:labels:)``
    /// picks; a neighbour's hedged: the mean of the own and the neighbour's scores.
    private static func choose(from candidates: [Start], labels: [Int]) -> Start {
        let chosen = candidates[TaskPriorTrainer.bestStart(candidates.map(\.margins), labels: labels)]
        let own = candidates[0]
        guard chosen.attributes != own.attributes else { return chosen }
        return Start(attributes: chosen.attributes, margins: hedged(own.margins, towards: chosen.margins))
    }

    /// A hedged start's scores: row by row, the element-wise mean of the own and the neighbour's.
    static func hedged(_ own: [[Float]], towards neighbour: [[Float]]) -> [[Float]] {
        zip(own, neighbour).map { zip($0, $1).map { ($0 + $1) / 2 } }
    }

    /// One task of the rows a prior was trained on: its name, attribute values and row count
    /// (tasks in the order of their rows).
    public struct TaskSpan: Sendable {
        public var name: String
        public var attributes: [String]
        public var rowCount: Int

        /// Creates a span.
        public init(name: String, attributes: [String], rowCount: Int) {
            self.name = name
            self.attributes = attributes
            self.rowCount = rowCount
        }
    }

    /// The start of each task in `training`: every task may start from any task with more
    /// rows (a better-known neighbour) or from its own specialization
    /// (``start(rows:attributes:neighbours:prior:categories:)``), shifted to the task's level
    /// under the penalty the round's tasks choose together (``TaskLevelShift``), with the
    /// factor on its correction from the credibility the round's corrections earn together on
    /// rows they did not see (``TaskPriorTrainer/credibility(of:candidates:)``). When these
    /// steps together do not turn held-out answers right against the prior alone
    /// (``RoundGate``), every task's start is its own specialization, unshifted, without a
    /// correction (factor 0).
    /// - Parameters:
    ///   - tasks: Every task of the prior's rows, in the order of their rows.
    ///   - training: The names of the tasks to find starts for.
    ///   - prior: The round's prior.
    ///   - categories: The categories the prior was trained with.
    /// - Throws: `LifelongError.learning` when specializing fails.
    public func starts(
        of tasks: [TaskSpan], training: Set<String>, prior: Prior, categories: [CategoricalEncoding]
    ) throws -> [String: Start] {
        var rowsOfTask: [String: Range<Int>] = [:]
        var offset = 0
        for task in tasks {
            if training.contains(task.name) { rowsOfTask[task.name] = offset..<(offset + task.rowCount) }
            offset += task.rowCount
        }
        // Tasks are independent: each one's start on its own core (its scoring is too small to
        // spread over cores within).
        let trained = tasks.filter { training.contains($0.name) }
        let found = try trained.concurrentMap { task in
            let neighbours = tasks.filter { $0.name != task.name && $0.rowCount > task.rowCount }.map(\.attributes)
            return try startCandidates(
                rows: rowsOfTask[task.name]!, attributes: task.attributes, neighbours: neighbours, prior: prior, categories: categories)
        }
        let candidates = Dictionary(uniqueKeysWithValues: zip(trained.map(\.name), found))
        var starts = Dictionary(uniqueKeysWithValues: trained.map { task in
            (task.name, Self.choose(from: candidates[task.name]!, labels: rowsOfTask[task.name]!.map { Int(prior.table.labels[$0]) }))
        })
        // Each task's level: one penalty for the round, chosen by validation on every trained
        // task's rows together; tasks too small for a correction keep the prior's level.
        let trainer = priorTrainer
        let correctable = rowsOfTask.sorted(by: { $0.key < $1.key })
            .map { name, rows in (name: name, table: prior.table.selecting(rows: Array(rows))) }
            .filter { starts[$0.name]!.margins.allSatisfy({ !$0.isEmpty }) && trainer.canCorrect($0.table) }
        let levelRows = correctable.map { task in
            TaskLevelShift.Rows(margins: starts[task.name]!.margins, labels: task.table.classLabels, seed: taskSeed(task.name))
        }
        let penalty = TaskLevelShift.penalty(of: levelRows, folds: trainer.folds)
        for (task, rows) in zip(correctable, levelRows) {
            starts[task.name]!.levelShift = TaskLevelShift.shift(margins: rows.margins, labels: rows.labels, penalty: penalty)
        }
        // How far the round's corrections are trusted: one credibility constant, chosen by
        // nested validation on every trained task's rows together.
        let shiftedStarts = starts
        let heldOut = try correctable.concurrentMap { task in
            try trainer.heldOutCorrection(
                rows: task.table, margins: shiftedStarts[task.name]!.shiftedMargins, seed: taskSeed(task.name))
        }
        let credibility = TaskPriorTrainer.credibility(of: heldOut.compactMap { $0 })
        for (name, rows) in rowsOfTask {
            starts[name]!.correctionScale = TaskPriorTrainer.correctionScale(rows: rows.count, credibility: credibility)
        }
        // Whether the steps together turn answers right on rows they did not see; if not, every
        // task of the round is served by the prior specialized to its own values (RoundGate).
        let gateTasks = zip(correctable, heldOut).map { task, correction in
            RoundGate.Task(
                labels: task.table.classLabels, own: candidates[task.name]![0].margins,
                neighbours: candidates[task.name]!.dropFirst().map(\.margins), correction: correction, seed: taskSeed(task.name))
        }
        guard RoundGate.pays(gateTasks, levelPenalty: penalty, credibility: credibility, folds: trainer.folds) else {
            return candidates.mapValues { Start(attributes: $0[0].attributes, margins: $0[0].margins, correctionScale: 0) }
        }
        return starts
    }

    /// The seed of a task's correction (and its validation).
    private func taskSeed(_ task: String) -> UInt64 { configuration.seed ^ LifelongLearner.hash(task) }

    /// One task's model: the prior specialized to the task's attribute values (for a start
    /// borrowed from a neighbour, averaged with the prior specialized to the neighbour's,
    /// ``Start/attributes``) and shifted to its ``Start/levelShift``, plus the correction
    /// rounds the task's rows earn by inner validation from the start's shifted scores, scaled
    /// by the start's ``Start/correctionScale``.
    /// - Parameters:
    ///   - task: The task's name (it seeds the correction).
    ///   - start: From ``start(rows:attributes:neighbours:prior:categories:)``; nil for the
    ///     task's own attribute values with the prior's in-sample scores.
    ///   - attributes: The task's own attribute values.
    ///   - rows: The task's labelled rows.
    ///   - prior: The round's prior.
    ///   - categories: The categories the prior was trained with.
    /// - Returns: The model and the correction rounds it kept.
    /// - Throws: `LifelongError.learning` when training fails.
    public func taskModel(
        _ task: String, start: Start?, attributes: [String], rows: LabelledSet, prior: GradientBoostedTrees,
        categories: [CategoricalEncoding]
    ) throws -> (model: StoredModel, correctionRounds: Int) {
        func specialized(_ values: [String]) throws -> GradientBoostedTrees {
            try specialize(prior, to: values, attributeNames: rows.attributeNames, encoding: rows.table.encoding, categories: categories)
        }
        var taskPrior = try specialized(attributes)
        if let borrowed = start?.attributes, borrowed != attributes {
            let neighbour = try specialized(borrowed)
            taskPrior = try LifelongError.wrapping("averaging the task's and its neighbour's prior") {
                try .averaging([taskPrior, neighbour])
            }
        }
        var startModel = taskPrior
        if let shift = start?.levelShift, !shift.isEmpty {
            startModel = try LifelongError.wrapping("shifting the prior to the task's level") { try taskPrior.shifted(by: shift) }
        }
        let (model, rounds) = try priorTrainer.taskModel(
            prior: startModel, rows: rows.table, margins: start?.shiftedMargins, scale: start?.correctionScale ?? 1, seed: taskSeed(task))
        return (try StoredModel(.gradientBoostedTrees(model)), rounds)
    }

    /// The steps of each member of the bag (``LifelongConfiguration/bagSize``), member 0 first:
    /// each trains its own prior, starts and task models (``LifelongConfiguration/member(_:)``).
    public var members: [RoundTraining] {
        (0..<configuration.bagSize).map { RoundTraining(configuration: configuration.member($0)) }
    }

    /// One bag member's share of a task's model: the member's prior and the task's start under it.
    public struct MemberStart: Sendable {
        /// The member's prior.
        public var prior: GradientBoostedTrees
        /// The task's start under it; nil for the task's own attribute values with the prior's
        /// in-sample scores.
        public var start: Start?

        /// Creates a member's share.
        public init(prior: GradientBoostedTrees, start: Start?) {
            self.prior = prior
            self.start = start
        }
    }

    /// A task's model from every member of the bag: each member's model
    /// (``taskModel(_:start:attributes:rows:prior:categories:)`` of ``members``, the members on
    /// their own cores), their raw scores averaged (``averaged(_:)``).
    /// - Parameters:
    ///   - task: The task's name (it seeds the corrections).
    ///   - members: Per member, in member order, its prior and the task's start; fewer than
    ///     ``members`` (none without a prior) train only those given.
    ///   - attributes: The task's attribute values.
    ///   - rows: The task's labelled rows.
    ///   - categories: The categories the priors were trained with.
    /// - Returns: The averaged model and the correction rounds of member 0's model.
    /// - Throws: `LifelongError.learning` when training fails; `.emptyData` without members.
    public func baggedTaskModel(
        _ task: String, members shares: [MemberStart], attributes: [String], rows: LabelledSet, categories: [CategoricalEncoding]
    ) throws -> (model: StoredModel, correctionRounds: Int) {
        let trained = try Array(zip(members, shares)).concurrentMap { member, share in
            try member.taskModel(task, start: share.start, attributes: attributes, rows: rows, prior: share.prior, categories: categories)
        }
        return (try Self.averaged(trained.map(\.model)), trained.first?.correctionRounds ?? 0)
    }

    /// A task's model from its bag members' models (``LifelongConfiguration/bagSize``): their
    /// raw scores averaged, one tree model (`GradientBoostedTrees.averaging`).
    /// - Throws: `LifelongError.learning` when the models are not tree models of one encoding.
    public static func averaged(_ models: [StoredModel]) throws -> StoredModel {
        guard models.count > 1 else {
            guard let only = models.first else { throw LifelongError(.emptyData, "a task's bag holds no model") }
            return only
        }
        return try StoredModel(averaged(models.map(\.model)))
    }

    /// The same over decoded models: the one model, or their raw scores averaged.
    static func averaged(_ models: [TrainedModel]) throws -> TrainedModel {
        guard let first = models.first else { throw LifelongError(.emptyData, "a bag holds no model") }
        guard models.count > 1 else { return first }
        let trees = try models.map { model in
            guard case .gradientBoostedTrees(let trees) = model else {
                throw LifelongError(.learning, "a bag member's model is not a tree ensemble")
            }
            return trees
        }
        return .gradientBoostedTrees(try LifelongError.wrapping("averaging the bag's models") { try .averaging(trees) })
    }

    /// A whole round in-process, as a training service spreads it over units: tasks (by
    /// attribute key) in name order, each task's rows in their order in `rows`; the prior and
    /// the global model on all rows, each task's start, then each task's model.
    /// - Parameter onStep: Told when each step of the round is done (a benchmark times them).
    /// - Returns: Each task's model and its rows; the global model.
    /// - Throws: `LifelongError.learning` when training fails; `.emptyData` for rows of one class.
    public func trainRound(
        _ rows: LabelledSet, onStep: (Step) -> Void = { _ in }
    ) throws -> (tasks: [String: (model: StoredModel, rows: LabelledSet)], global: StoredModel?) {
        var rowsByTask: [String: [Int]] = [:]
        for row in 0..<rows.rowCount { rowsByTask[rows.attributeKey(ofRow: row), default: []].append(row) }
        return try trainRound(tasks: rowsByTask.mapValues { rows.selecting(rows: $0) }, onStep: onStep)
    }

    /// The steps of ``trainRound(tasks:onStep:)``, in order.
    public enum Step: Sendable {
        /// The prior, trained on every task's rows.
        case prior
        /// Each task's start (cross-fitted fold priors, out-of-fold scores).
        case starts
        /// Every task's model.
        case taskModels
        /// The global model.
        case global
    }

    /// A whole round in-process over tasks given with their rows (rows of one task share their
    /// attribute values; tasks found by clustering have none): tasks in name order.
    /// - Parameter onStep: Told when each step of the round is done.
    /// - Returns: Each task's model and its rows; the global model.
    /// - Throws: `LifelongError.learning` when training fails; `.emptyData` without tasks or for rows of one class.
    public func trainRound(
        tasks rowsByTask: [String: LabelledSet], onStep: (Step) -> Void = { _ in }
    ) throws -> (tasks: [String: (model: StoredModel, rows: LabelledSet)], global: StoredModel?) {
        let names = rowsByTask.keys.sorted()
        guard let first = names.first else { throw LifelongError(.emptyData, "a round needs at least one task") }
        var all = rowsByTask[first]!
        for name in names.dropFirst() { all = try all.appending(rowsByTask[name]!) }
        let attributes = names.map { rowsByTask[$0]!.attributes.first ?? [] }
        let categories = Self.categories(attributeNames: all.attributeNames, taskAttributes: attributes)
        // Every member of the bag (LifelongConfiguration.bagSize) trains the round; each task's
        // model is its members' models averaged.
        let members = self.members
        let priors = try members.map { member in
            guard let prior = try member.prior(rows: all, categories: categories) else {
                throw LifelongError(.emptyData, "the rows hold fewer than two classes")
            }
            return prior
        }
        onStep(.prior)
        let spans = zip(names, attributes).map { TaskSpan(name: $0, attributes: $1, rowCount: rowsByTask[$0]!.rowCount) }
        let starts = try zip(members, priors).map { try $0.starts(of: spans, training: Set(names), prior: $1, categories: categories) }
        onStep(.starts)
        // Tasks are independent: each on its own core.
        let trained = try Array(zip(names, attributes)).concurrentMap { name, values in
            try baggedTaskModel(
                name, members: zip(priors, starts).map { MemberStart(prior: $0.model, start: $1[name]) }, attributes: values,
                rows: rowsByTask[name]!, categories: categories
            ).model
        }
        let models = Dictionary(uniqueKeysWithValues: zip(names, trained).map { ($0, (model: $1, rows: rowsByTask[$0]!)) })
        onStep(.taskModels)
        let global = try globalModel(rows: all)
        onStep(.global)
        return (models, global)
    }

    /// The prior (or a fold's) specialized to attribute values, over the model features.
    private func specialize(
        _ prior: GradientBoostedTrees, to values: [String], attributeNames: [String], encoding: FeatureEncoding,
        categories: [CategoricalEncoding]
    ) throws -> GradientBoostedTrees {
        try priorTrainer.taskPrior(prior, attributeNames: attributeNames, values: values, categories: categories, encoding: encoding)
    }

    private var priorTrainer: TaskPriorTrainer {
        TaskPriorTrainer(parameters: configuration.model, folds: 3, minCorrectionRows: configuration.minTaskSize)
    }
}
