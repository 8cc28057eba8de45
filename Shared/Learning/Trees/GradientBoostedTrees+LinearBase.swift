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
        var treeParameters = parameters
        treeParameters.linearBase = false
        treeParameters.linearSlopeFeatures = []
        let trees = try train(
            on: table, validation: validation, parameters: treeParameters,
            start: BoostingStart(
                baseMargin: linear.rawScores(of: table), validationBaseMargin: validation.map { linear.rawScores(of: $0) }))
        return GradientBoostedTrees(
            validated: table.encoding, objective: trees.objective, baseScores: trees.baseScores, trees: trees.trees,
            linearBase: linear, parameters: parameters, roundsKept: trees.roundsKept,
            validationLosses: trees.validationLosses, validationErrors: trees.validationErrors, initialValidationLoss: trees.initialValidationLoss)
    }
}

extension LinearScorer {
    /// The raw scores of every row of a table, row-major (`rows × scoreCount`).
    func rawScores(of table: Table) -> [Float] {
        table.mapRows(outputWidth: scoreCount) { row, output in scores(row: row, into: output) }
    }
}
