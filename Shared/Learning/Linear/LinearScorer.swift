/// The score computation shared by the linear models: `weights · standardise(expand(row)) +
/// intercepts`, computed feature by feature without building the expanded row.
struct LinearScorer: Sendable {
    let encoder: LinearInputEncoder
    let scoreCount: Int
    /// `scoreCount × width`, output-major.
    let weights: [Float]
    let intercepts: [Float]
    /// Per output and categorical feature: the score of a present category's other one-hot
    /// inputs at 0, folded so that a category costs one lookup (`output × featureCount + feature`).
    let categoricalBase: [Float]

    init(encoder: LinearInputEncoder, scoreCount: Int, weights: [Float], intercepts: [Float]) throws {
        guard weights.count == scoreCount * encoder.width, intercepts.count == scoreCount else {
            throw LearningError(
                .corruptModel,
                "expected \(scoreCount * encoder.width) weights and \(scoreCount) intercepts, got \(weights.count) and \(intercepts.count)")
        }
        guard weights.allSatisfy(\.isFinite), intercepts.allSatisfy(\.isFinite) else {
            throw LearningError(.corruptModel, "weights and intercepts must be finite")
        }
        self.encoder = encoder
        self.scoreCount = scoreCount
        self.weights = weights
        self.intercepts = intercepts
        let featureCount = encoder.firstInput.count
        var base = [Float](repeating: 0, count: scoreCount * featureCount)
        for output in 0..<scoreCount {
            for feature in 0..<featureCount {
                guard let count = encoder.categoryCounts[feature] else { continue }
                let first = encoder.firstInput[feature]
                var sum: Float = 0
                for category in 0..<count {
                    let input = first + category
                    sum += weights[output * encoder.width + input] * (0 - encoder.means[input]) / encoder.scales[input]
                }
                base[output * featureCount + feature] = sum
            }
        }
        categoricalBase = base
    }

    @inline(__always)
    func scores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        for output in 0..<scoreCount { scores[output] = 0 }
        addScores(row: row, to: scores)
    }

    /// Adds the row's scores to `scores` (the linear part of a hybrid tree model).
    @inline(__always)
    func addScores(row: UnsafePointer<Float>, to scores: UnsafeMutablePointer<Float>) {
        let width = encoder.width
        let featureCount = encoder.firstInput.count
        for output in 0..<scoreCount {
            var sum = intercepts[output]
            let w = output * width
            for feature in 0..<featureCount {
                let value = row[feature]
                if value.isNaN { continue }
                let first = encoder.firstInput[feature]
                if encoder.categoryCounts[feature] != nil {
                    let input = first + Int(value)
                    // The category's input is 1 instead of 0: add the difference to the base.
                    sum += categoricalBase[output * featureCount + feature]
                        + weights[w + input] / encoder.scales[input]
                } else {
                    sum += weights[w + first] * (value - encoder.means[first]) / encoder.scales[first]
                }
            }
            scores[output] += sum
        }
    }

    /// Predicts many rows into `outputCount`-wide rows, in parallel.
    func predictBatch(
        rowMajor: [Float], validator: FeatureValidator, objective: ModelObjective
    ) throws -> [Float] {
        let width = validator.featureCount
        guard rowMajor.count % width == 0 else {
            throw LearningError(.featureCountMismatch, "\(rowMajor.count) values are not whole rows of \(width) features")
        }
        let rows = rowMajor.count / width
        let outputs = objective.outputCount
        var result = [Float](repeating: 0, count: rows * outputs)
        try rowMajor.withUnsafeBufferPointer { input in
            for row in 0..<rows { try validator.check(input.baseAddress! + row * width, rowIndex: row) }
            result.withUnsafeMutableBufferPointer { output in
                let shared = UncheckedSendable((input.baseAddress!, output.baseAddress!, self))
                ParallelWork.forRanges(rows, minimumChunk: 1024) { range in
                    let (input, output, scorer) = shared.value
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: scorer.scoreCount) { scores in
                        for row in range {
                            scorer.scores(row: input + row * width, into: scores.baseAddress!)
                            objective.transform(scores: scores.baseAddress!, output: output + row * outputs)
                        }
                    }
                }
            }
        }
        return result
    }

    /// One row, checked.
    func predict(
        row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>, validator: FeatureValidator,
        objective: ModelObjective
    ) throws {
        try validator.checkCount(row.count)
        guard output.count == objective.outputCount else {
            throw LearningError(
                .shapeMismatch, "the output buffer has \(output.count) values, the model writes \(objective.outputCount)")
        }
        try validator.check(row.baseAddress!)
        withUnsafeTemporaryAllocation(of: Float.self, capacity: scoreCount) { scores in
            self.scores(row: row.baseAddress!, into: scores.baseAddress!)
            objective.transform(scores: scores.baseAddress!, output: output.baseAddress!)
        }
    }
}
