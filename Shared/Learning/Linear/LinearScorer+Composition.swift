/// Building linear scorers from linear scorers, as the tree models they are the linear part of
/// are built (`GradientBoostedTrees.scaled(by:)`, `specialized(fixing:to:)`).
extension LinearScorer {
    /// Every score multiplied by `factor` (weights, intercepts and category slopes).
    func scaled(by factor: Float) -> LinearScorer {
        // The parts were valid and stay finite for a finite factor.
        try! LinearScorer(
            encoder: encoder, scoreCount: scoreCount, weights: weights.map { $0 * factor },
            intercepts: intercepts.map { $0 * factor },
            slopes: slopes.map { ($0.feature, $0.offsets.map { $0 * factor }) })
    }

    /// The scorer whose scores are the sum of this one's and `other`'s: weights, intercepts and
    /// each feature's category slopes added (a feature with slopes in one only keeps them).
    /// - Throws: `LearningError.shapeMismatch` when the two do not read their inputs alike (the
    ///   same layout and fitted statistics) or differ in score count.
    func adding(_ other: LinearScorer) throws -> LinearScorer {
        guard encoder == other.encoder, scoreCount == other.scoreCount else {
            throw LearningError(.shapeMismatch, "linear parts add only over the same inputs and scores", field: "linear_base")
        }
        var offsets: [Int: [Float]] = [:]
        for slope in slopes + other.slopes {
            offsets[slope.feature] = offsets[slope.feature].map { zip($0, slope.offsets).map(+) } ?? slope.offsets
        }
        return try LinearScorer(
            encoder: encoder, scoreCount: scoreCount, weights: zip(weights, other.weights).map(+),
            intercepts: zip(intercepts, other.intercepts).map(+), slopes: offsets.keys.sorted().map { ($0, offsets[$0]!) })
    }

    /// The scorer without category slopes for rows whose slope features have `values`: each
    /// slope feature's offsets of its value added to the weights (none for a missing or
    /// unknown value), as scoring such a row adds them.
    /// - Throws: `LearningError.shapeMismatch` when a slope feature is not fixed (its slopes
    ///   would depend on the row).
    func foldingSlopes(fixed: [Bool], values: [Float]) throws -> LinearScorer {
        guard !slopes.isEmpty else { return self }
        var folded = weights
        for slope in slopes {
            guard fixed[slope.feature] else {
                throw LearningError(
                    .shapeMismatch, "feature \(slope.feature) gives the linear part slopes per category: it must be fixed to specialize")
            }
            guard let category = category(of: values[slope.feature], slopes: slope) else { continue }
            let start = category * folded.count
            for index in folded.indices { folded[index] += slope.offsets[start + index] }
        }
        return try LinearScorer(encoder: encoder, scoreCount: scoreCount, weights: folded, intercepts: intercepts)
    }

    /// The scorer over the features left when some are fixed: a fixed feature's contribution
    /// at its value is folded into the intercepts (a missing value, or a category code the
    /// encoding does not know, contributes nothing, as when scoring), the other features'
    /// inputs move to their place in `target`.
    /// - Parameters:
    ///   - fixed: Per source feature, whether it is fixed.
    ///   - values: Per source feature, its fixed value (ignored where not fixed).
    ///   - remap: Per source feature, its index in `target` (-1 where fixed).
    ///   - target: The remaining features' encoding.
    /// Category slopes are folded first (``foldingSlopes(fixed:values:)``): their features must be fixed.
    func specialized(fixed: [Bool], values: [Float], remap: [Int32], target: FeatureEncoding) throws -> LinearScorer {
        guard slopes.isEmpty else {
            return try foldingSlopes(fixed: fixed, values: values).specialized(fixed: fixed, values: values, remap: remap, target: target)
        }
        let sourceWidth = encoder.width
        let featureCount = encoder.firstInput.count
        let layout = LinearInputEncoder.layout(of: target)
        var means = [Float](repeating: 0, count: layout.width)
        var scales = [Float](repeating: 1, count: layout.width)
        var newWeights = [Float](repeating: 0, count: scoreCount * layout.width)
        var newIntercepts = intercepts
        for feature in 0..<featureCount {
            let first = encoder.firstInput[feature]
            let inputs = encoder.categoryCounts[feature] ?? 1
            if fixed[feature] {
                let value = values[feature]
                guard !value.isNaN else { continue }
                for output in 0..<scoreCount {
                    let w = output * sourceWidth
                    if let count = encoder.categoryCounts[feature] {
                        guard let code = Int(exactly: value), (0..<count).contains(code) else { continue }
                        newIntercepts[output] += categoricalBase[output * featureCount + feature]
                            + weights[w + first + code] / encoder.scales[first + code]
                    } else {
                        newIntercepts[output] += weights[w + first] * (value - encoder.means[first]) / encoder.scales[first]
                    }
                }
            } else {
                let targetFirst = layout.firstInput[Int(remap[feature])]
                for input in 0..<inputs {
                    means[targetFirst + input] = encoder.means[first + input]
                    scales[targetFirst + input] = encoder.scales[first + input]
                    for output in 0..<scoreCount {
                        newWeights[output * layout.width + targetFirst + input] = weights[output * sourceWidth + first + input]
                    }
                }
            }
        }
        return try LinearScorer(
            encoder: LinearInputEncoder(encoding: target, means: means, scales: scales), scoreCount: scoreCount,
            weights: newWeights, intercepts: newIntercepts)
    }
}
