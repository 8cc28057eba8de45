public import LifelongLearning

/// Replays rounds of labelled data through the lifelong learner and honest baselines, all
/// trained on the same rows, and measures each with the lifelong-learning metrics. The
/// baselines train on the rows in the learner's order (``LifelongLearner/learnedRows()``), so
/// a tuned baseline draws the folds, searches and row samples of the learner's prior: common
/// random numbers, the margin then measures what the learner adds to its prior.
///
/// - `lifelong`: the `LifelongLearner` (per-task models from a shared prior, unseen handling).
/// - `global`: one model retrained every round on all rows so far, without the task attributes.
/// - `global+attributes`: the same with the task attributes as categorical features, at the
///   same budget (the learner's model parameters).
/// - `global+attributes-tuned`: the same, its depth, rounds and learning rate chosen by inner
///   validation on the training rows (``GridSearch``).
/// - `global+attributes-tuned-bag`: as many such models as the learner's bag has members
///   (``LifelongConfiguration/bagSize``), each tuned and trained with a member's seed, their
///   raw scores averaged: the tuned baseline given the bag the learner gets.
/// - `isolated`: one model per task on that task's rows only; a task it has no model for
///   (unseen, or a single class) is answered by that round's `global` model.
/// - `sedna`: as KubeEdge Sedna serves attribute tasks: a task's own model above 10 rows,
///   else the `global` model.
///
/// Row 0 of each matrix is the model trained on the initial rows; without initial rows it is
/// "untrained", which answers the first class for every row.
public struct LifelongExperiment: Sendable {
    /// The methods compared.
    public enum Method: String, Sendable, CaseIterable {
        case lifelong
        case global
        case isolated
        case globalWithAttributes = "global+attributes"
        case globalWithAttributesTuned = "global+attributes-tuned"
        case globalWithAttributesTunedBag = "global+attributes-tuned-bag"
        case sedna

        /// Whether the method is a baseline (everything but `lifelong`).
        public var isBaseline: Bool { self != .lifelong }
    }

    /// One round: rows to learn, then a test set.
    public struct Round: Sendable {
        /// Labelled rows of the round.
        public var train: LabelledSet
        /// The round's test set.
        public var test: LabelledSet

        /// Creates a round.
        public init(train: LabelledSet, test: LabelledSet) {
            self.train = train
            self.test = test
        }
    }

    /// One method's figures.
    public struct MethodResult: Sendable {
        /// The method's name (``Method`` raw value).
        public var name: String
        /// The accuracy matrix.
        public var matrix: AccuracyMatrix
        /// Mean of the final model's per-task accuracies over every test set.
        public var taskAverageAccuracy: Double
        /// The final model's accuracy over every test set pooled.
        public var averageAccuracy: Double
        /// Like ``finalCorrect`` (the same rows in the same order), but each round's rows
        /// answered by the model right after that round was learned; paired with another
        /// method's, the margin at learning and its standard error.
        public var learningCorrect: [Bool]
        /// Each round's test set scored right after that round was learned, pooled: the mean of
        /// ``learningCorrect`` (``AccuracyMatrix/learningAccuracy(testRows:)`` of the matrix);
        /// `averageAccuracy` minus it is what later rounds changed on earlier rounds' test sets.
        /// 0 without test rows, as `averageAccuracy`.
        public var learningAccuracy: Double {
            learningCorrect.isEmpty ? 0 : Double(learningCorrect.filter { $0 }.count) / Double(learningCorrect.count)
        }
        /// The final model's accuracy per task over every test set.
        public var perTaskAccuracy: [String: Double]
        /// Whether the final model's class is the label, per row of every test set pooled (in
        /// round order; the same rows, in the same order, for every method): what a paired
        /// comparison of two methods needs (`LifelongMetrics.pairedAccuracyDifference`).
        public var finalCorrect: [Bool]
        /// Backward transfer of the matrix.
        public var backwardTransfer: Double { matrix.backwardTransfer }
        /// Forward transfer of the matrix.
        public var forwardTransfer: Double { matrix.forwardTransfer }
    }

    /// Everything measured.
    public struct Result: Sendable {
        /// One per method, in the experiment's order.
        public var methods: [MethodResult]
        /// Unseen detection on each round's rows before they were learned (attribute tasks:
        /// a row is unseen when its attribute combination is not yet a task).
        public var detection: [UnseenTaskDetector.Kind: DetectionQuality]
        /// What each lifelong update did.
        public var updates: [UpdateReport]
        /// The lifelong learner's task index after each stage (the initial data when given,
        /// then each round), to evaluate it on other rows.
        public var indexes: [TaskIndex]
        /// Every row learned, in the learner's order (``LifelongLearner/learnedRows()``): what
        /// the baselines of the last stage were trained on.
        public var learnedRows: LabelledSet?
    }

    /// The lifelong learner's settings (the baselines use the same model parameters).
    public var configuration: LifelongConfiguration
    /// The methods to run, `lifelong` first (the tuned baseline costs a grid search per round).
    public var methods: [Method]

    /// Creates an experiment.
    public init(configuration: LifelongConfiguration = LifelongConfiguration(), methods: [Method] = Method.allCases) {
        self.configuration = configuration
        self.methods = methods
    }

    /// Runs the experiment.
    /// - Parameters:
    ///   - initial: Rows learned before round 1, if any.
    ///   - rounds: The rounds, in order (at least one).
    /// - Throws: `LifelongError.emptyData` without rounds, `.schemaMismatch` when the sets'
    ///   schemas differ, and training errors.
    public func run(initial: LabelledSet?, rounds: [Round]) throws -> Result {
        guard !rounds.isEmpty else { throw LifelongError(.emptyData, "an experiment needs at least one round") }
        let reference = initial ?? rounds[0].train
        for set in [initial].compactMap({ $0 }) + rounds.flatMap({ [$0.train, $0.test] }) {
            guard set.table.encoding == reference.table.encoding, set.attributeNames == reference.attributeNames else {
                throw LifelongError(.schemaMismatch, "every file must have the same columns, classes and attributes")
            }
        }
        var learner = try LifelongLearner(configuration: configuration)
        var seen: LabelledSet?
        var updates: [UpdateReport] = []
        var detection: [UnseenTaskDetector.Kind: DetectionQuality] = [:]
        var stages: [Stage] = []

        func learn(_ rows: LabelledSet, round: Int) throws {
            if case .attributes = configuration.definition, let index = learner.index {
                let known = Set(index.tasks.map(\.name))
                for (row, prediction) in try index.predict(rows).enumerated() {
                    let unseen = !known.contains(rows.attributeKey(ofRow: row))
                    for detector in index.detectors where detector.enabled {
                        detection[detector.kind, default: DetectionQuality()].record(
                            flagged: prediction.flaggedBy.contains(detector.kind), unseen: unseen,
                            score: prediction.scores[detector.kind])
                    }
                }
            }
            updates.append(try learner.update(with: rows, timeUs: Int64(round)))
            seen = try learner.learnedRows()
        }

        func stage() throws -> Stage {
            guard let seen, let index = learner.index else {
                return Stage(predictors: methods.map { _ in { Array(repeating: 0, count: $0.rowCount) } }, index: nil)
            }
            return try self.stage(methods, seen: seen, index: index, searched: learner.searchedPriorParameters)
        }

        if let initial { try learn(initial, round: 0) }
        stages.append(try stage())
        for (number, round) in rounds.enumerated() {
            try learn(round.train, round: number + 1)
            stages.append(try stage())
        }
        var matrices = methods.map { _ in [[Double]]() }
        var learningCorrect = methods.map { _ in [Bool]() }
        for (number, stage) in stages.enumerated() {
            for method in methods.indices {
                let correct = try rounds.map { try correctness(stage.predictors[method], on: $0.test) }
                matrices[method].append(correct.map { $0.isEmpty ? 0 : Double($0.filter { $0 }.count) / Double($0.count) })
                // Stage j + 1 is the model right after round j + 1 (column j) was learned.
                if number >= 1 { learningCorrect[method] += correct[number - 1] }
            }
        }
        // Final figures over every test set.
        var allTests = rounds[0].test
        for round in rounds.dropFirst() { allTests = try allTests.appending(round.test) }
        let final = stages.last!
        let labels = allTests.table.classLabels
        let keys = try (0..<allTests.rowCount).map { row in
            try taskKey(allTests, row: row, index: final.index) ?? "unallocated"
        }
        var results: [MethodResult] = []
        for (number, method) in methods.enumerated() {
            let predicted = try final.predictors[number](allTests)
            let correct = zip(predicted, labels).filter { $0 == $1 }.count
            let perTask = LifelongMetrics.perTaskAccuracy(keys: keys, predicted: predicted, labels: labels)
            results.append(
                MethodResult(
                    name: method.rawValue, matrix: try AccuracyMatrix(matrices[number]),
                    taskAverageAccuracy: LifelongMetrics.taskAverageAccuracy(perTask),
                    averageAccuracy: allTests.rowCount == 0 ? 0 : Double(correct) / Double(allTests.rowCount),
                    learningCorrect: learningCorrect[number],
                    perTaskAccuracy: perTask, finalCorrect: zip(predicted, labels).map { $0 == $1 }))
        }
        return Result(
            methods: results, detection: detection, updates: updates, indexes: stages.compactMap(\.index), learnedRows: seen)
    }

    /// Answers a test set with one method's models after one stage.
    typealias Predictor = (LabelledSet) throws -> [Int]

    /// Every method's predictor after one stage, in ``methods`` order.
    struct Stage {
        var predictors: [Predictor]
        var index: TaskIndex?
    }

    /// Each method's classes for `test` from the models it has after learning `seen`: what the
    /// last row of ``run(initial:rounds:)``'s matrices scores, without the earlier stages. A
    /// baseline is retrained on every row at each stage, so its final models need only the last
    /// one; `lifelong` answers with `index`, which the learner built round by round.
    /// - Parameters:
    ///   - methods: The methods, each as ``run(initial:rounds:)`` trains it.
    ///   - seen: Every row learned so far, in the learner's order (``LifelongLearner/learnedRows()``;
    ///     in another order a tuned baseline draws other folds).
    ///   - index: The learner's index after learning `seen` (it allocates rows to tasks found by clustering).
    ///   - searched: The learner's ``LifelongLearner/searchedPriorParameters``: the tuned
    ///     baselines' search on `seen` has been run, by the learner's prior; empty: they search.
    ///   - test: The rows to answer.
    /// - Returns: Per method, in `methods` order, each test row's class.
    /// - Throws: Training and prediction errors.
    public func finalClasses(
        of methods: [Method], seen: LabelledSet, index: TaskIndex, searched: [GradientBoostingParameters] = [], test: LabelledSet
    ) throws -> [[Int]] {
        try stage(methods, seen: seen, index: index, searched: searched).predictors.map { try $0(test) }
    }

    /// The predictors of `methods` after learning `seen` (`searched`: see ``finalClasses(of:seen:index:searched:test:)``).
    private func stage(_ methods: [Method], seen: LabelledSet, index: TaskIndex, searched: [GradientBoostingParameters]) throws -> Stage {
        // One global model per stage: the `global` method and the fallback of `isolated` and `sedna`.
        let global = Self.classes(
            of: try TaskModelTrainer(parameters: configuration.model).trainOwn(seen.table, seed: configuration.seed))
        let tuned = TunedModels(searched: searched)
        return Stage(
            predictors: try methods.map { try predictor($0, seen: seen, index: index, global: global, tuned: tuned) }, index: index)
    }

    /// The tuned global models of one stage by member (``LifelongConfiguration/member(_:)``),
    /// trained once: `global+attributes-tuned` is member 0 of `global+attributes-tuned-bag`.
    private final class TunedModels {
        var byMember: [Int: TrainedModel?] = [:]
        /// Each member's parameters as the learner's prior search chose them on the same rows
        /// (common random numbers: the same search, run once); empty: search.
        let searched: [GradientBoostingParameters]

        init(searched: [GradientBoostingParameters]) {
            self.searched = searched
        }
    }

    /// The predictor of `method` trained on every row seen so far (`global`: the stage's
    /// global model's).
    private func predictor(
        _ method: Method, seen: LabelledSet, index: TaskIndex, global: @escaping Predictor, tuned: TunedModels
    ) throws -> Predictor {
        let trainer = TaskModelTrainer(parameters: configuration.model)
        switch method {
        case .lifelong:
            return { try index.predict($0).map(\.predictedClass) }
        case .global:
            return global
        case .globalWithAttributes, .globalWithAttributesTuned, .globalWithAttributesTunedBag:
            let attributeNames = seen.attributeNames
            let categories = TaskPriorTrainer.categories(attributeNames: attributeNames, taskAttributes: seen.attributes)
            let table = TaskPriorTrainer.priorTable(seen, attributeNames: attributeNames, categories: categories)
            let members = method == .globalWithAttributesTunedBag ? configuration.bagSize : 1
            let models = try (0..<members).map { member in
                let seed = configuration.member(member).seed
                guard method != .globalWithAttributes else {
                    return try trainer.trainOwn(table, seed: seed)
                }
                if let model = tuned.byMember[member] { return model }
                let parameters = member < tuned.searched.count
                    ? tuned.searched[member]
                    : try GridSearch.ofPriorTable(base: configuration.model, seed: seed, attributeNames: attributeNames).best(for: table)
                let model = try TaskModelTrainer(parameters: parameters).trainOwn(table, seed: seed)
                tuned.byMember[member] = model
                return model
            }
            // A member without a model (too few classes) means none has one: the same rows.
            let trained = models.compactMap { $0 }
            let model = trained.count == models.count ? try RoundTraining.averaged(trained) : nil
            return { test in
                try Self.classes(of: model)(
                    LabelledSet(
                        table: TaskPriorTrainer.priorTable(test, attributeNames: attributeNames, categories: categories),
                        attributeNames: test.attributeNames, attributes: test.attributes))
            }
        case .isolated, .sedna:
            // Sedna serves a task by its own model only above 10 rows; isolated whenever it can train one.
            let minimumRows = method == .sedna ? Self.sednaMinimumRows + 1 : 1
            var rowsByTask: [String: [Int]] = [:]
            for row in 0..<seen.rowCount {
                if let task = try taskKey(seen, row: row, index: index) { rowsByTask[task, default: []].append(row) }
            }
            var models: [String: TrainedModel] = [:]
            for (task, rows) in rowsByTask where rows.count >= minimumRows {
                if let model = try trainer.trainOwn(
                    seen.table.selecting(rows: rows), seed: configuration.seed ^ LifelongLearner.hash(task)) {
                    models[task] = model
                }
            }
            return { test in
                let fallback = try global(test)
                return try (0..<test.rowCount).map { row in
                    guard let key = try self.taskKey(test, row: row, index: index), let model = models[key] else {
                        return fallback[row]
                    }
                    return try LifelongError.wrapping("task prediction") { try model.model.predictClass(test.table.features(ofRow: row)) }
                }
            }
        }
    }

    /// Tasks with at most this many rows are served by Sedna's global model.
    static let sednaMinimumRows = 10

    /// A model's classes for a set's table; the first class for every row without a model.
    private static func classes(of model: TrainedModel?) -> Predictor {
        { test in
            guard let model else { return .init(repeating: 0, count: test.rowCount) }
            return try LifelongError.wrapping("prediction") { model.model.classes(fromBatch: try model.model.predict(table: test.table)) }
        }
    }

    /// Per row of `test`, whether the predictor's class is the label.
    private func correctness(_ predictor: Predictor, on test: LabelledSet) throws -> [Bool] {
        guard test.rowCount > 0 else { return [] }
        return zip(try predictor(test), test.table.classLabels).map { $0 == $1 }
    }

    private func taskKey(_ set: LabelledSet, row: Int, index: TaskIndex?) throws -> String? {
        switch configuration.definition {
        case .attributes: return set.attributeKey(ofRow: row)
        case .clusters: return try index?.allocator.allocate(features: set.table.features(ofRow: row), attributes: [])
        }
    }
}
