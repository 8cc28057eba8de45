/// Hybrid models: trees boosted from a linear model's raw scores
/// (`GradientBoostingParameters.linearBase`).
extension GradientBoostedTrees {
    /// Fits the linear part on `table`, then boosts the trees from its scores on the training
    /// and validation rows; the model keeps the linear part under its trees.
    static func trainOnLinearBase(
        on table: Table, validation: Table?, parameters: GradientBoostingParameters, start: BoostingStart?
    ) throws -> GradientBoostedTrees {
        guard start == nil || start == BoostingStart() else {
            throw LearningError(
                .invalidParameter, "a linear base cannot be combined with a base margin or row weights", field: "linearBase")
        }
        let fit = try fitLinearBase(on: table, validation: validation, parameters: parameters)
        return try train(on: table, validation: validation, parameters: parameters, linearBase: fit)
    }

    /// Fits a hybrid model's linear part (`parameters.linearBase` must be set) on `table` and
    /// scores it and `validation`: the part of training that depends on the rows and the
    /// linear settings alone, not on the trees' (depth, learning rate, rounds), so a search
    /// over those fits it once (``train(on:validation:parameters:linearBase:)``).
    /// - Throws: `LearningError` `.emptyTrainingSet`, `.singleClass`, `.invalidParameter`
    ///   (as ``train(on:validation:parameters:start:)``).
    public static func fitLinearBase(
        on table: Table, validation: Table?, parameters: GradientBoostingParameters
    ) throws -> LinearBaseFit {
        try parameters.validate()
        guard parameters.linearBase else {
            throw LearningError(.invalidParameter, "fitting a linear base needs linearBase set", field: "linearBase")
        }
        guard table.rowCount > 0 else { throw LearningError(.emptyTrainingSet, "the training table has no rows") }
        let objective = try parameters.objective ?? ModelObjective.matching(table.encoding.label)
        try GradientBoostingTrainer.check(objective: objective, against: table)
        let linear: LinearScorer
        switch objective {
        case .squaredError:
            guard parameters.linearSlopeFeatures.isEmpty else {
                throw LearningError(
                    .invalidParameter, "category slopes need a class label (a logistic linear base)", field: "linearSlopeFeatures")
            }
            linear = try RidgeRegression.train(on: table).scorer
        case .binaryLogistic, .multiclassSoftmax:
            var linearParameters = LogisticRegression.Parameters()
            linearParameters.categorySlopeFeatures = parameters.linearSlopeFeatures
            linearParameters.slopeL2Lambda = parameters.linearSlopeL2Lambda
            linear = try LogisticRegression.train(on: table, parameters: linearParameters).scorer
        }
        return LinearBaseFit(
            linear: linear, settings: LinearBaseFit.Settings(parameters), encoding: table.encoding,
            start: BoostingStart(baseMargin: linear.rawScores(of: table), validationBaseMargin: validation.map { linear.rawScores(of: $0) }))
    }

    /// Trains a hybrid model on a linear part already fitted on the same training and
    /// validation rows with the same linear settings (``fitLinearBase(on:validation:parameters:)``):
    /// the same model as ``train(on:validation:parameters:start:)`` with `parameters`.
    /// - Throws: `LearningError.invalidParameter` when `parameters` do not ask for the fit's
    ///   linear base; `.shapeMismatch` when the tables are not the fit's shape; as training.
    public static func train(
        on table: Table, validation: Table?, parameters: GradientBoostingParameters, linearBase fit: LinearBaseFit
    ) throws -> GradientBoostedTrees {
        try parameters.validate()
        guard parameters.linearBase, LinearBaseFit.Settings(parameters) == fit.settings else {
            throw LearningError(.invalidParameter, "the parameters ask for another linear base than the one fitted", field: "linearBase")
        }
        guard table.encoding == fit.encoding else {
            throw LearningError(.shapeMismatch, "the linear base was fitted on another table's features")
        }
        var treeParameters = parameters
        treeParameters.linearBase = false
        treeParameters.linearSlopeFeatures = []
        let trees = try train(on: table, validation: validation, parameters: treeParameters, start: fit.start)
        return GradientBoostedTrees(
            validated: table.encoding, objective: trees.objective, baseScores: trees.baseScores, trees: trees.trees,
            linearBase: fit.linear, parameters: parameters, roundsKept: trees.roundsKept,
            validationLosses: trees.validationLosses, validationErrors: trees.validationErrors, initialValidationLoss: trees.initialValidationLoss)
    }
}

/// A hybrid model's linear part fitted on one training table, with its raw scores on those
/// rows and on the validation rows (``GradientBoostedTrees/fitLinearBase(on:validation:parameters:)``).
public struct LinearBaseFit: Sendable {
    /// The settings a linear part depends on.
    struct Settings: Equatable {
        var objective: ModelObjective?
        var slopeFeatures: [String]
        var slopeL2Lambda: Float

        init(_ parameters: GradientBoostingParameters) {
            objective = parameters.objective
            slopeFeatures = parameters.linearSlopeFeatures
            slopeL2Lambda = parameters.linearSlopeL2Lambda
        }
    }

    let linear: LinearScorer
    let settings: Settings
    let encoding: FeatureEncoding
    /// The linear part's scores on the training and validation rows, to boost from.
    let start: BoostingStart
}

extension LinearScorer {
    /// The raw scores of every row of a table, row-major (`rows × scoreCount`).
    func rawScores(of table: Table) -> [Float] {
        table.mapRows(outputWidth: scoreCount) { row, output in scores(row: row, into: output) }
    }
}
