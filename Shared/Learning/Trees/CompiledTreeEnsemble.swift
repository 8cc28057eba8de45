/// The prediction form of a gradient-boosted tree ensemble: the compiled forest, the input
/// checks and the objective's transform, without the trees it was compiled from.
///
/// `GradientBoostedTrees` predicts through it; a server that only predicts can keep this alone
/// (`TrainedModel.predictionModel`) and leave the trees, which take several times its memory,
/// to be freed. Answers are bit-identical to the full model's.
public struct CompiledTreeEnsemble: TabularModel {
    /// The columns the model reads, with their categorical encodings, and its label.
    public let encoding: FeatureEncoding
    /// The training objective.
    public let objective: ModelObjective

    let forest: CompiledForest
    /// The linear part of a hybrid model, added to the trees' scores; nil for plain trees.
    let linear: LinearScorer?
    let validator: FeatureValidator

    /// Compiles trees that passed `RegressionTree.validate`, with the linear part of a hybrid
    /// model (over the same encoding and scores).
    init(
        trees: [RegressionTree], baseScores: [Float], linear: LinearScorer? = nil, encoding: FeatureEncoding,
        objective: ModelObjective
    ) {
        self.encoding = encoding
        self.objective = objective
        forest = CompiledForest(trees: trees, baseScores: baseScores, encoding: encoding)
        self.linear = linear
        validator = FeatureValidator(encoding: encoding)
    }

    /// The raw scores of a checked row: the trees', plus the linear part's.
    @inline(__always)
    func scores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        forest.scores(row: row, into: scores)
        linear?.addScores(row: row, to: scores)
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
            self.scores(row: row.baseAddress!, into: scores.baseAddress!)
            objective.transform(scores: scores.baseAddress!, output: output.baseAddress!)
        }
    }

    /// Raw scores (before the sigmoid or softmax) of one row.
    public func rawScores(_ row: [Float]) throws -> [Float] {
        try validator.checkCount(row.count)
        var scores = [Float](repeating: 0, count: forest.scoreCount)
        try row.withUnsafeBufferPointer { input in
            try validator.check(input.baseAddress!)
            scores.withUnsafeMutableBufferPointer { self.scores(row: input.baseAddress!, into: $0.baseAddress!) }
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
                let model = self, objective = self.objective
                ParallelWork.forRanges(rows, minimumChunk: 256) { range in
                    let (input, output) = shared.value
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: model.forest.scoreCount) { scores in
                        for row in range {
                            model.scores(row: input + row * width, into: scores.baseAddress!)
                            objective.transform(scores: scores.baseAddress!, output: output + row * outputs)
                        }
                    }
                }
            }
        }
        return result
    }
}
