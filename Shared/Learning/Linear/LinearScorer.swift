/// The score computation shared by the linear models: `weights · standardise(expand(row)) +
/// intercepts`, computed feature by feature without building the expanded row. With category
/// slopes, a row's weights are the shared ones plus, per slope feature, the offsets of the
/// row's category of it (its own slopes, e.g. per attribute value of a task).
struct LinearScorer: Sendable {
    /// One categorical feature's per-category offsets to the weights (`CategorySlopes` in
    /// model_format.proto).
    struct CategorySlopes: Sendable {
        /// The categorical feature whose value picks the offsets.
        let feature: Int
        /// `categoryCount × scoreCount × width`: category-major, then output-major.
        let offsets: [Float]
        /// Per category, its offsets' categorical base (as ``LinearScorer/categoricalBase``),
        /// `categoryCount × scoreCount × featureCount`.
        let categoricalBases: [Float]
    }

    let encoder: LinearInputEncoder
    let scoreCount: Int
    /// `scoreCount × width`, output-major.
    let weights: [Float]
    let intercepts: [Float]
    /// Per output and categorical feature: the score of a present category's other one-hot
    /// inputs at 0, folded so that a category costs one lookup (`output × featureCount + feature`).
    let categoricalBase: [Float]
    /// Per-category offsets to `weights`, at most one per feature; empty for a plain model.
    let slopes: [CategorySlopes]

    /// - Parameter slopes: Per slope feature, its `offsets` (`categoryCount × scoreCount × width`).
    init(
        encoder: LinearInputEncoder, scoreCount: Int, weights: [Float], intercepts: [Float],
        slopes: [(feature: Int, offsets: [Float])] = []
    ) throws {
        guard weights.count == scoreCount * encoder.width, intercepts.count == scoreCount else {
            throw LearningError(
                .corruptModel,
                "expected \(scoreCount * encoder.width) weights and \(scoreCount) intercepts, got \(weights.count) and \(intercepts.count)")
        }
        guard weights.allSatisfy(\.isFinite), intercepts.allSatisfy(\.isFinite) else {
            throw LearningError(.corruptModel, "weights and intercepts must be finite")
        }
        let blockSize = scoreCount * encoder.width
        var seen = Set<Int>()
        self.slopes = try slopes.map { slope in
            guard encoder.categoryCounts.indices.contains(slope.feature), let count = encoder.categoryCounts[slope.feature],
                  seen.insert(slope.feature).inserted
            else {
                throw LearningError(
                    .corruptModel, "category slopes need a categorical feature, each once; got feature \(slope.feature)",
                    field: "category_slopes")
            }
            guard slope.offsets.count == count * blockSize, slope.offsets.allSatisfy(\.isFinite) else {
                throw LearningError(
                    .corruptModel, "feature \(slope.feature)'s slopes need \(count * blockSize) finite offsets, got \(slope.offsets.count)",
                    field: "category_slopes")
            }
            let bases = (0..<count).flatMap { category in
                Self.categoricalBase(of: slope.offsets[(category * blockSize)..<((category + 1) * blockSize)], encoder: encoder, scoreCount: scoreCount)
            }
            return CategorySlopes(feature: slope.feature, offsets: slope.offsets, categoricalBases: bases)
        }
        self.encoder = encoder
        self.scoreCount = scoreCount
        self.weights = weights
        self.intercepts = intercepts
        categoricalBase = Self.categoricalBase(of: weights[...], encoder: encoder, scoreCount: scoreCount)
    }

    /// Per output and categorical feature, the weighted sum of its one-hot inputs at 0.
    private static func categoricalBase(of weights: ArraySlice<Float>, encoder: LinearInputEncoder, scoreCount: Int) -> [Float] {
        let featureCount = encoder.firstInput.count
        let start = weights.startIndex
        var base = [Float](repeating: 0, count: scoreCount * featureCount)
        for output in 0..<scoreCount {
            for feature in 0..<featureCount {
                guard let count = encoder.categoryCounts[feature] else { continue }
                let first = encoder.firstInput[feature]
                var sum: Float = 0
                for category in 0..<count {
                    let input = first + category
                    sum += weights[start + output * encoder.width + input] * (0 - encoder.means[input]) / encoder.scales[input]
                }
                base[output * featureCount + feature] = sum
            }
        }
        return base
    }

    /// The category of a slope feature's value: nil for a missing or unknown value (no offsets).
    @inline(__always)
    func category(of value: Float, slopes: CategorySlopes) -> Int? {
        guard !value.isNaN, let code = Int(exactly: value), code >= 0, code < encoder.categoryCounts[slopes.feature]! else {
            return nil
        }
        return code
    }

    @inline(__always)
    func scores(row: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        for output in 0..<scoreCount { scores[output] = 0 }
        addScores(row: row, to: scores)
    }

    /// Adds the row's scores to `scores` (the linear part of a hybrid tree model).
    @inline(__always)
    func addScores(row: UnsafePointer<Float>, to scores: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { weights in
            categoricalBase.withUnsafeBufferPointer { base in
                intercepts.withUnsafeBufferPointer { intercepts in
                    addProducts(weights.baseAddress!, base: base.baseAddress!, starts: intercepts.baseAddress!, row: row, to: scores)
                }
            }
        }
        for slope in slopes {
            guard let category = category(of: row[slope.feature], slopes: slope) else { continue }
            slope.offsets.withUnsafeBufferPointer { offsets in
                slope.categoricalBases.withUnsafeBufferPointer { bases in
                    addProducts(
                        offsets.baseAddress! + category * scoreCount * encoder.width,
                        base: bases.baseAddress! + category * scoreCount * encoder.firstInput.count, starts: nil, row: row, to: scores)
                }
            }
        }
    }

    /// Adds `starts` (0 when nil) plus one block of weights times the row's standardised
    /// inputs to each output's score.
    @inline(__always)
    private func addProducts(
        _ weights: UnsafePointer<Float>, base: UnsafePointer<Float>, starts: UnsafePointer<Float>?, row: UnsafePointer<Float>,
        to scores: UnsafeMutablePointer<Float>
    ) {
        let width = encoder.width
        let featureCount = encoder.firstInput.count
        for output in 0..<scoreCount {
            var sum = starts?[output] ?? 0
            let w = output * width
            for feature in 0..<featureCount {
                let value = row[feature]
                if value.isNaN { continue }
                let first = encoder.firstInput[feature]
                if encoder.categoryCounts[feature] != nil {
                    let input = first + Int(value)
                    // The category's input is 1 instead of 0: add the difference to the base.
                    sum += base[output * featureCount + feature] + weights[w + input] / encoder.scales[input]
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
