/// A gradient-boosted tree ensemble: training with `train(on:validation:parameters:)`,
/// prediction through `TabularModel`.
///
/// Prediction walks flat arrays and allocates nothing per row; batches are spread over every
/// core. A missing value (NaN) follows each split's learned default direction.
public struct GradientBoostedTrees: TabularModel {
    /// The columns the model reads, with their categorical encodings, and its label.
    public let encoding: FeatureEncoding
    /// The training objective.
    public let objective: ModelObjective
    /// Initial raw score per output score, before the trees.
    public let baseScores: [Float]
    /// The trees in boosting order.
    public let trees: [RegressionTree]
    /// The linear part of a hybrid model (`GradientBoostingParameters.linearBase`): its scores
    /// are added to the base scores before the trees. nil for plain trees.
    let linearBase: LinearScorer?
    /// Whether the model has a linear part under its trees.
    public var hasLinearBase: Bool { linearBase != nil }
    /// The parameters the model was trained with.
    public let parameters: GradientBoostingParameters
    /// Boosting rounds kept (fewer than `parameters.rounds` after early stopping).
    public let roundsKept: Int
    /// Validation loss after each round trained (log loss, or RMSE for regression); empty
    /// without a validation set.
    public let validationLosses: [Double]
    /// Classification: the validation error rate (share of rows whose most probable class is
    /// not the label) after each round trained; empty for regression or without a validation
    /// set. Not stored in the model format.
    public let validationErrors: [Double]
    /// Validation loss before the first round (of the base scores or the given base margin);
    /// nil without a validation set. Not stored in the model format.
    public let initialValidationLoss: Double?

    /// The prediction form of the trees (all that prediction reads).
    public let compiled: CompiledTreeEnsemble

    /// Assembles a model from its parts (as decoded from the model format), checking that
    /// they are consistent.
    /// - Throws: `LearningError` `.corruptModel` naming the first inconsistency.
    public init(
        encoding: FeatureEncoding, objective: ModelObjective, baseScores: [Float], trees: [RegressionTree],
        parameters: GradientBoostingParameters, roundsKept: Int, validationLosses: [Double] = []
    ) throws {
        try self.init(
            encoding: encoding, objective: objective, baseScores: baseScores, trees: trees, linearBase: nil,
            parameters: parameters, roundsKept: roundsKept, validationLosses: validationLosses)
    }

    /// As the public initializer, with the linear part of a hybrid model (checked against the
    /// encoding and the objective's score count).
    init(
        encoding: FeatureEncoding, objective: ModelObjective, baseScores: [Float], trees: [RegressionTree],
        linearBase: LinearScorer?, parameters: GradientBoostingParameters, roundsKept: Int,
        validationLosses: [Double] = []
    ) throws {
        guard encoding.featureCount > 0 else { throw LearningError(.corruptModel, "the model has no features") }
        switch (objective, encoding.label) {
        case (.squaredError, .regression): break
        case (.binaryLogistic, .classification(let classes)) where classes.count == 2: break
        case (.multiclassSoftmax(let count), .classification(let classes)) where count == classes.count && count > 2: break
        default:
            throw LearningError(.corruptModel, "objective \(objective) does not match the label \(encoding.label)")
        }
        guard baseScores.count == objective.scoreCount, baseScores.allSatisfy(\.isFinite) else {
            throw LearningError(.corruptModel, "expected \(objective.scoreCount) finite base scores, got \(baseScores)")
        }
        for (index, tree) in trees.enumerated() {
            try tree.validate(index: index, encoding: encoding, scoreCount: objective.scoreCount)
        }
        if let linearBase {
            let layout = LinearInputEncoder.layout(of: encoding)
            guard linearBase.scoreCount == objective.scoreCount, linearBase.encoder.firstInput == layout.firstInput,
                  linearBase.encoder.categoryCounts == layout.categoryCounts
            else {
                throw LearningError(.corruptModel, "the linear base does not fit the model's features and scores")
            }
        }
        self.init(
            validated: encoding, objective: objective, baseScores: baseScores, trees: trees, linearBase: linearBase,
            parameters: parameters, roundsKept: roundsKept, validationLosses: validationLosses)
    }

    init(
        validated encoding: FeatureEncoding, objective: ModelObjective, baseScores: [Float], trees: [RegressionTree],
        linearBase: LinearScorer? = nil, parameters: GradientBoostingParameters, roundsKept: Int,
        validationLosses: [Double], validationErrors: [Double] = [], initialValidationLoss: Double? = nil
    ) {
        self.encoding = encoding
        self.objective = objective
        self.baseScores = baseScores
        self.trees = trees
        self.linearBase = linearBase
        self.parameters = parameters
        self.roundsKept = roundsKept
        self.validationLosses = validationLosses
        self.validationErrors = validationErrors
        self.initialValidationLoss = initialValidationLoss
        compiled = CompiledTreeEnsemble(
            trees: trees, baseScores: baseScores, linear: linearBase, encoding: encoding, objective: objective)
    }

    /// Predicts one row into caller-owned storage without allocating.
    public func predict(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws {
        try compiled.predict(row: row, into: output)
    }

    /// Raw scores (before the sigmoid or softmax) of one row.
    public func rawScores(_ row: [Float]) throws -> [Float] { try compiled.rawScores(row) }

    /// Predicts many rows in parallel blocks.
    public func predictBatch(rowMajor: [Float]) throws -> [Float] { try compiled.predictBatch(rowMajor: rowMajor) }
}
