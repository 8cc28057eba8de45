import LifelongLearning

/// Replays rounds of labelled data through the lifelong learner and two baselines, and
/// measures each with the Ianvs metrics.
///
/// - `lifelong`: the `LifelongLearner` (task models, transfer, blending, unseen handling).
/// - `global`: one model retrained every round on all rows so far.
/// - `isolated`: one model per task (the lifelong task definition) on that task's rows
///   only, no transfer; a task it has no model for (unseen, or a single class) is answered by
///   that round's global model, as Sedna falls back.
///
/// Row 0 of each matrix is the model trained on the initial rows; without initial rows it is
/// "untrained", which answers the first class for every row.
public struct LifelongExperiment: Sendable {
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
        /// `lifelong`, `global` or `isolated`.
        public var name: String
        /// The accuracy matrix.
        public var matrix: AccuracyMatrix
        /// Mean of the final model's per-task accuracies over every test set.
        public var taskAverageAccuracy: Double
        /// The final model's accuracy over every test set pooled.
        public var averageAccuracy: Double
        /// The final model's accuracy per task over every test set.
        public var perTaskAccuracy: [String: Double]
        /// Backward transfer of the matrix.
        public var backwardTransfer: Double { matrix.backwardTransfer }
        /// Forward transfer of the matrix.
        public var forwardTransfer: Double { matrix.forwardTransfer }
    }

    /// Everything measured.
    public struct Result: Sendable {
        /// lifelong, global, isolated (in this order).
        public var methods: [MethodResult]
        /// Unseen detection on each round's rows before they were learned (attribute tasks:
        /// a row is unseen when its attribute combination is not yet a task).
        public var detection: [UnseenTaskDetector.Kind: DetectionQuality]
        /// What each lifelong update did.
        public var updates: [UpdateReport]
    }

    /// The lifelong learner's settings (the baselines use the same model parameters).
    public var configuration: LifelongConfiguration

    /// Creates an experiment.
    public init(configuration: LifelongConfiguration = LifelongConfiguration()) {
        self.configuration = configuration
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
        let trainer = TaskModelTrainer(parameters: configuration.model, transfer: configuration.transfer)
        var seen: LabelledSet?
        var updates: [UpdateReport] = []
        var detection: [UnseenTaskDetector.Kind: DetectionQuality] = [:]
        var matrices: [[[Double]]] = [[], [], []]
        var stages: [Stage] = []

        func learn(_ rows: LabelledSet, round: Int) throws {
            if case .attributes = configuration.definition, let index = learner.index {
                let known = Set(index.tasks.map(\.name))
                for (row, prediction) in try index.predict(rows).enumerated() {
                    let unseen = !known.contains(rows.attributeKey(ofRow: row))
                    for detector in index.detectors where detector.enabled {
                        detection[detector.kind, default: DetectionQuality()].record(
                            flagged: prediction.flaggedBy.contains(detector.kind), unseen: unseen)
                    }
                }
            }
            updates.append(try learner.update(with: rows, timeUs: Int64(round)))
            seen = try seen.map { try $0.appending(rows) } ?? rows
        }

        func stage() throws -> Stage {
            guard let seen, let index = learner.index else { return Stage(lifelong: nil, global: nil, isolated: [:], index: nil) }
            let global = try trainer.trainOwn(seen.table, seed: configuration.seed)
            var rowsByTask: [String: [Int]] = [:]
            for row in 0..<seen.rowCount {
                if let task = try taskKey(seen, row: row, index: index) { rowsByTask[task, default: []].append(row) }
            }
            var isolated: [String: TrainedModel] = [:]
            for (task, rows) in rowsByTask {
                if let model = try trainer.trainOwn(seen.table.selecting(rows: rows), seed: configuration.seed ^ LifelongLearner.hash(task)) {
                    isolated[task] = model
                }
            }
            return Stage(lifelong: index, global: global, isolated: isolated, index: index)
        }

        if let initial { try learn(initial, round: 0) }
        stages.append(try stage())
        for (number, round) in rounds.enumerated() {
            try learn(round.train, round: number + 1)
            stages.append(try stage())
        }
        for stage in stages {
            for method in 0..<3 {
                matrices[method].append(try rounds.map { try accuracy(stage, method: method, on: $0.test) })
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
        let names = ["lifelong", "global", "isolated"]
        var methods: [MethodResult] = []
        for method in 0..<3 {
            let predicted = try predictions(final, method: method, on: allTests)
            let correct = zip(predicted, labels).filter { $0 == $1 }.count
            let perTask = LifelongMetrics.perTaskAccuracy(keys: keys, predicted: predicted, labels: labels)
            methods.append(
                MethodResult(
                    name: names[method], matrix: try AccuracyMatrix(matrices[method]),
                    taskAverageAccuracy: LifelongMetrics.taskAverageAccuracy(perTask),
                    averageAccuracy: allTests.rowCount == 0 ? 0 : Double(correct) / Double(allTests.rowCount),
                    perTaskAccuracy: perTask))
        }
        return Result(methods: methods, detection: detection, updates: updates)
    }

    /// The models of every method after one stage.
    struct Stage {
        var lifelong: TaskIndex?
        var global: TrainedModel?
        var isolated: [String: TrainedModel]
        var index: TaskIndex?
    }

    private func taskKey(_ set: LabelledSet, row: Int, index: TaskIndex?) throws -> String? {
        switch configuration.definition {
        case .attributes: return set.attributeKey(ofRow: row)
        case .clusters: return try index?.allocator.allocate(features: set.table.features(ofRow: row), attributes: [])
        }
    }

    private func accuracy(_ stage: Stage, method: Int, on test: LabelledSet) throws -> Double {
        guard test.rowCount > 0 else { return 0 }
        let predicted = try predictions(stage, method: method, on: test)
        return Double(zip(predicted, test.table.classLabels).filter { $0 == $1 }.count) / Double(test.rowCount)
    }

    private func predictions(_ stage: Stage, method: Int, on test: LabelledSet) throws -> [Int] {
        switch method {
        case 0:
            guard let index = stage.lifelong else { return .init(repeating: 0, count: test.rowCount) }
            return try index.predict(test).map(\.predictedClass)
        default:
            guard let global = stage.global else { return .init(repeating: 0, count: test.rowCount) }
            let globalClasses = try LifelongError.wrapping("global prediction") {
                global.model.classes(fromBatch: try global.model.predict(table: test.table))
            }
            if method == 1 { return globalClasses }
            return try (0..<test.rowCount).map { row in
                guard let key = try taskKey(test, row: row, index: stage.index), let model = stage.isolated[key] else {
                    return globalClasses[row]
                }
                return try LifelongError.wrapping("isolated prediction") { try model.model.predictClass(test.table.features(ofRow: row)) }
            }
        }
    }
}
