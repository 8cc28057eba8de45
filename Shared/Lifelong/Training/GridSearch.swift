import LifelongLearning

/// The tuned prior's and the tuned baseline's hyper-parameters: plain trees, trees on a
/// linear base (`GradientBoostingParameters.linearBase`) or, given ``slopeFeatures`` and a
/// class label, trees on a linear base with slopes per value of those features
/// (`GradientBoostingParameters.linearSlopeFeatures`) × depth × learning rate from a grid,
/// rounds from 1 to 400, chosen by 2-fold inner validation on the training rows (never on
/// test rows): the lowest mean validation error rate, ties broken by mean log loss (log loss
/// alone for a numeric label). One training per fold and grid point gives the validation
/// scores after every round, so every round count is tried at the cost of the largest; a
/// training stops once its validation log loss has not improved for ``patience`` rounds
/// (trees on a linear base rarely gain past a few dozen rounds), and only the rounds every
/// fold reached compete.
///
/// Why the error rate: accuracy is what a served class is judged by, and log loss can prefer
/// the wrong model class. A linear base fits a slanted boundary better (thermal seed 44: its
/// global model 0.8300 accurate against 0.7935 for trees alone) yet is confidently wrong on
/// the rows whose labels are noise, far from the boundary, which log loss punishes: chosen by
/// log loss, the grid kept trees alone there (0.5200 against 0.5203).
///
/// Every search starts afresh: the lifelong prior searches at every update (each bag member with
/// its own seed, so its own folds), the tuned baseline on the rows it is given. (Until
/// 2026-12-05 the prior chose on the evidence summed over every update since the last drift,
/// for a steadier choice than one 2-fold search; with the bag the members' own searches give
/// that steadiness, and a fresh search was level or better on 7 of 9 scenario seeds, see
/// docs/lifelong.md, step 1.)
struct GridSearch: Sendable {
    static let folds = 2
    /// Rounds without a better validation log loss after which a grid point's training stops.
    static let patience = 50

    /// Parameters the grid does not set (sampling, regularization).
    let base: GradientBoostingParameters
    let seed: UInt64
    var depths = [2, 3, 4, 6]
    var learningRates: [Float] = [0.05, 0.1, 0.3]
    var rounds = 1...400
    var linearBases = [false, true]
    /// Categorical features whose values may each give the linear base slopes of their own
    /// (the task attributes' features): a third model class of the grid. Empty: two classes.
    var slopeFeatures: [String] = []
    /// Features a fourth model class leaves out: trees that never split on them
    /// (`GradientBoostingParameters.ignoredFeatures`; the task attributes' features). Where
    /// tasks differ little and are many, with few rows each, splits on the attribute fit noise
    /// and one model of the features alone is better; whether that is so is for validation
    /// to say. Empty: no such class.
    var ignorableFeatures: [String] = []
    /// The penalties tried on those slopes (`GradientBoostingParameters.linearSlopeL2Lambda`):
    /// how far a category's slopes may leave the shared ones is for validation to say, as a
    /// fixed penalty would be one generator's choice (docs/lifelong.md, step 1).
    var slopeL2Lambdas: [Float] = [0.003, 0.01, 0.03]

    /// The search of a prior's table (``TaskPriorTrainer/priorTable(_:attributeNames:categories:)``):
    /// the attribute columns' features are the slope features.
    static func ofPriorTable(base: GradientBoostingParameters, seed: UInt64, attributeNames: [String]) -> GridSearch {
        var search = GridSearch(base: base, seed: seed)
        search.slopeFeatures = attributeNames.map(TaskPriorTrainer.featureName(ofAttribute:))
        search.ignorableFeatures = search.slopeFeatures
        return search
    }

    /// One model class of the grid.
    struct ModelClass: Sendable {
        /// Trees on a linear base.
        var linearBase = false
        /// The slopes' penalty; nil: no slopes.
        var slopeL2Lambda: Float? = nil
        /// Trees that never split on ``GridSearch/ignorableFeatures``.
        var ignoresAttributes = false
    }

    /// The model classes searched: trees and trees on a linear base, the slopes' classes (one
    /// per penalty) for a class label, trees without the ignorable features.
    private func modelClasses(for table: Table) -> [ModelClass] {
        var classes = linearBases.map { ModelClass(linearBase: $0) }
        if linearBases.contains(true), !slopeFeatures.isEmpty, case .classification = table.encoding.label {
            classes += slopeL2Lambdas.map { ModelClass(linearBase: true, slopeL2Lambda: $0) }
        }
        if !ignorableFeatures.isEmpty { classes.append(ModelClass(ignoresAttributes: true)) }
        return classes
    }

    /// The best parameters for `table` by its search alone; `base` when it is too small to split.
    func best(for table: Table) throws -> GradientBoostingParameters {
        try search(table).map(best(by:)) ?? base
    }

    /// Every grid point's validation scores on `table`; nil when it is too small to split.
    func search(_ table: Table) throws -> GridEvidence? {
        guard table.rowCount >= 4 * Self.folds else { return nil }
        let splits = Folds(rowCount: table.rowCount, count: Self.folds, seed: seed ^ 0x6121_D5EA).map { fold in
            (train: table.selecting(rows: fold.kept), validation: table.selecting(rows: fold.held))
        }.filter { $0.train.classCounts().filter({ $0 > 0 }).count >= 2 }
        // A linear base depends on the fold and the model class alone: fitted once for every
        // depth and learning rate (the same models as fitting it per grid point).
        let classes = modelClasses(for: table)
        let fitted = try classes.flatMap { modelClass in splits.map { (modelClass, $0) } }.concurrentMap { modelClass, split in
            try modelClass.linearBase
                ? LifelongError.wrapping("grid search") {
                    try GradientBoostedTrees.fitLinearBase(
                        on: split.train, validation: split.validation,
                        parameters: parameters(
                            modelClass, depth: base.maxDepth, learningRate: base.learningRate, rounds: rounds.upperBound))
                } : nil
        }
        // Every grid point on its own core (each training is mostly serial at these sizes);
        // the evidence is the same as a serial search's, in grid order.
        let grid = classes.indices.flatMap { modelClass in
            depths.flatMap { depth in learningRates.map { (modelClass: modelClass, depth: depth, learningRate: $0) } }
        }
        let points = try grid.concurrentMap { point in
            let modelClass = classes[point.modelClass]
            var searched = parameters(modelClass, depth: point.depth, learningRate: point.learningRate, rounds: rounds.upperBound)
            searched.earlyStoppingRounds = Self.patience
            var losses = [Double](repeating: 0, count: rounds.upperBound)
            var errors = [Double](repeating: 0, count: rounds.upperBound)
            var reached = rounds.upperBound
            for (index, split) in splits.enumerated() {
                let linearFit = fitted[point.modelClass * splits.count + index]
                let model = try LifelongError.wrapping("grid search") {
                    if let linearFit {
                        try GradientBoostedTrees.train(
                            on: split.train, validation: split.validation, parameters: searched, linearBase: linearFit)
                    } else {
                        try GradientBoostedTrees.train(on: split.train, validation: split.validation, parameters: searched)
                    }
                }
                reached = min(reached, model.validationLosses.count)
                for (round, loss) in model.validationLosses.enumerated() { losses[round] += loss }
                for (round, error) in model.validationErrors.enumerated() { errors[round] += error }
            }
            return GridEvidence.Point(
                linearBase: modelClass.linearBase, slopeL2Lambda: modelClass.slopeL2Lambda,
                ignoresAttributes: modelClass.ignoresAttributes, depth: point.depth, learningRate: point.learningRate,
                errors: Array(errors.prefix(reached)), losses: Array(losses.prefix(reached)))
        }
        return GridEvidence(points: points)
    }

    /// The grid point and round count with the lowest validation error rate (summed over the
    /// folds) in `evidence`, ties broken by log loss (the first in grid order among equals).
    func best(by evidence: GridEvidence) -> GradientBoostingParameters {
        var best = base
        var bestScore = (Double.infinity, Double.infinity)
        for point in evidence.points {
            for count in rounds where count <= point.errors.count {
                // Regression records no error rates: log loss (RMSE) alone decides.
                let score = (point.errors[count - 1], point.losses[count - 1])
                if score < bestScore {
                    bestScore = score
                    best = parameters(
                        ModelClass(
                            linearBase: point.linearBase, slopeL2Lambda: point.slopeL2Lambda, ignoresAttributes: point.ignoresAttributes),
                        depth: point.depth, learningRate: point.learningRate, rounds: count)
                }
            }
        }
        return best
    }

    private func parameters(_ modelClass: ModelClass, depth: Int, learningRate: Float, rounds: Int) -> GradientBoostingParameters {
        var parameters = base
        parameters.linearBase = modelClass.linearBase
        parameters.linearSlopeFeatures = modelClass.slopeL2Lambda == nil ? [] : slopeFeatures
        if let slopeL2Lambda = modelClass.slopeL2Lambda { parameters.linearSlopeL2Lambda = slopeL2Lambda }
        parameters.ignoredFeatures = modelClass.ignoresAttributes ? ignorableFeatures : []
        parameters.maxDepth = depth
        parameters.learningRate = learningRate
        parameters.rounds = rounds
        parameters.seed = seed
        return parameters
    }
}

/// What a grid search saw: per grid point, the validation error rate and log loss after every
/// round, summed over the search's folds (only the rounds every fold reached).
struct GridEvidence: Sendable, Equatable {
    /// One grid point's scores.
    struct Point: Sendable, Equatable {
        /// Trees on a linear base.
        var linearBase: Bool
        /// The penalty of the linear base's slopes per value of the search's
        /// ``GridSearch/slopeFeatures``; nil without slopes.
        var slopeL2Lambda: Float? = nil
        /// Trees that never split on ``GridSearch/ignorableFeatures``.
        var ignoresAttributes = false
        /// Tree depth.
        var depth: Int
        /// Learning rate.
        var learningRate: Float
        /// Summed validation error rate after 1, 2, … rounds.
        var errors: [Double]
        /// Summed validation log loss after 1, 2, … rounds.
        var losses: [Double]
    }

    /// Every grid point's scores, in grid order.
    var points: [Point]
}
