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
    /// The parameters the model was trained with.
    public let parameters: GradientBoostingParameters
    /// Boosting rounds kept (fewer than `parameters.rounds` after early stopping).
    public let roundsKept: Int
    /// Validation loss after each round trained (log loss, or RMSE for regression); empty
    /// without a validation set.
    public let validationLosses: [Double]
    /// Validation loss before the first round (of the base scores or the given base margin);
    /// nil without a validation set. Not stored in the model format.
    public let initialValidationLoss: Double?

    let forest: CompiledForest
    let validator: FeatureValidator

    /// Assembles a model from its parts (as decoded from the model format), checking that
    /// they are consistent.
    /// - Throws: `LearningError` `.corruptModel` naming the first inconsistency.
    public init(
        encoding: FeatureEncoding, objective: ModelObjective, baseScores: [Float], trees: [RegressionTree],
        parameters: GradientBoostingParameters, roundsKept: Int, validationLosses: [Double] = []
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
        self.init(
            validated: encoding, objective: objective, baseScores: baseScores, trees: trees, parameters: parameters,
            roundsKept: roundsKept, validationLosses: validationLosses)
    }

    init(
        validated encoding: FeatureEncoding, objective: ModelObjective, baseScores: [Float], trees: [RegressionTree],
        parameters: GradientBoostingParameters, roundsKept: Int, validationLosses: [Double],
        initialValidationLoss: Double? = nil
    ) {
        self.encoding = encoding
        self.objective = objective
        self.baseScores = baseScores
        self.trees = trees
        self.parameters = parameters
        self.roundsKept = roundsKept
        self.validationLosses = validationLosses
        self.initialValidationLoss = initialValidationLoss
        forest = CompiledForest(trees: trees, baseScores: baseScores, encoding: encoding)
        validator = FeatureValidator(encoding: encoding)
    }

    /// Predicts one row into caller-owned storage without allocating.
    public func predict(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws {
        try validator.checkCount(row.count)
        guard output.count == objective.outputCount else {
            throw LearningError(
                .shapeMismatch, "the output buffer has \(output.count) values, the model writes \(objective.outputCount)")
        }
        try validator.check(row.baseAddress!)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: forest.scoreCount) { scores in
            forest.scores(row: row.baseAddress!, into: scores.baseAddress!)
            objective.transform(scores: scores.baseAddress!, output: output.baseAddress!)
        }
    }

    /// Raw scores (before the sigmoid or softmax) of one row.
    public func rawScores(_ row: [Float]) throws -> [Float] {
        try validator.checkCount(row.count)
        var scores = [Float](repeating: 0, count: forest.scoreCount)
        try row.withUnsafeBufferPointer { input in
            try validator.check(input.baseAddress!)
            scores.withUnsafeMutableBufferPointer { forest.scores(row: input.baseAddress!, into: $0.baseAddress!) }
        }
        return scores
    }

    /// Predicts many rows in parallel blocks.
    public func predictBatch(rowMajor: [Float]) throws -> [Float] {
        let width = encoding.featureCount
        guard rowMajor.count % width == 0 else {
            throw LearningError(
                .featureCountMismatch, "\(rowMajor.count) values are not whole rows of \(width) features")
        }
        let rows = rowMajor.count / width
        let outputs = objective.outputCount
        var result = [Float](repeating: 0, count: rows * outputs)
        try rowMajor.withUnsafeBufferPointer { input in
            // Validate first, so a bad row fails the batch before any work.
            for row in 0..<rows { try validator.check(input.baseAddress! + row * width, rowIndex: row) }
            result.withUnsafeMutableBufferPointer { output in
                let shared = UncheckedSendable((input.baseAddress!, output.baseAddress!))
                let forest = self.forest, objective = self.objective
                ParallelWork.forRanges(rows, minimumChunk: 256) { range in
                    let (input, output) = shared.value
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: forest.scoreCount) { scores in
                        for row in range {
                            forest.scores(row: input + row * width, into: scores.baseAddress!)
                            objective.transform(scores: scores.baseAddress!, output: output + row * outputs)
                        }
                    }
                }
            }
        }
        return result
    }
}
