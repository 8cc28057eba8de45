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
    let validator: FeatureValidator

    /// Compiles trees that passed `RegressionTree.validate`.
    init(trees: [RegressionTree], baseScores: [Float], encoding: FeatureEncoding, objective: ModelObjective) {
        self.encoding = encoding
        self.objective = objective
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
