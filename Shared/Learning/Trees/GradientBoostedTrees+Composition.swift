/// Building models from models: a correction appended to the model it corrects, and a model
/// specialized to fixed values of some of its features.
extension GradientBoostedTrees {
    /// This model followed by `correction`, trained with ``BoostingStart/baseMargin`` set to
    /// this model's raw scores on the same features: one model whose raw scores are the sum.
    /// This model's linear base, if any, stays under the joined trees.
    /// - Throws: `LearningError.shapeMismatch` when the encodings or objectives differ, or the
    ///   correction has base scores or a linear base of its own.
    public func appending(_ correction: GradientBoostedTrees) throws -> GradientBoostedTrees {
        guard correction.encoding == encoding, correction.objective == objective else {
            throw LearningError(.shapeMismatch, "a correction must have the model's encoding and objective")
        }
        guard correction.baseScores.allSatisfy({ $0 == 0 }), correction.linearBase == nil else {
            throw LearningError(
                .shapeMismatch, "a correction continues from a base margin: its base scores must be 0, without a linear base")
        }
        return GradientBoostedTrees(
            validated: encoding, objective: objective, baseScores: baseScores, trees: trees + correction.trees,
            linearBase: linearBase, parameters: correction.parameters, roundsKept: roundsKept + correction.roundsKept, validationLosses: [])
    }

    /// The model with `shift` added to its raw scores (to its base scores): a task's level
    /// against the model it starts from.
    /// - Throws: `LearningError.shapeMismatch` when `shift` does not have one value per raw
    ///   score, `.invalidParameter` for a value that is not finite.
    public func shifted(by shift: [Float]) throws -> GradientBoostedTrees {
        guard shift.count == baseScores.count else {
            throw LearningError(.shapeMismatch, "a shift needs \(baseScores.count) values, one per raw score", field: "shift")
        }
        guard shift.allSatisfy(\.isFinite) else { throw LearningError(.invalidParameter, "a shift must be finite", field: "shift") }
        return GradientBoostedTrees(
            validated: encoding, objective: objective, baseScores: zip(baseScores, shift).map { $0 + $1 }, trees: trees,
            linearBase: linearBase, parameters: parameters, roundsKept: roundsKept, validationLosses: [])
    }

    /// The model with every raw score multiplied by `factor` (base scores, linear base and leaf
    /// values):
    /// a correction shrunk toward the model it corrects before ``appending(_:)``.
    public func scaled(by factor: Float) -> GradientBoostedTrees {
        let trees = trees.map { tree in
            var tree = tree
            for node in tree.values.indices where tree.splitFeatures[node] < 0 { tree.values[node] *= factor }
            return tree
        }
        return GradientBoostedTrees(
            validated: encoding, objective: objective, baseScores: baseScores.map { $0 * factor }, trees: trees,
            linearBase: linearBase?.scaled(by: factor), parameters: parameters, roundsKept: roundsKept, validationLosses: [])
    }

    /// The model whose raw scores are the mean of `models`' raw scores: each model's base
    /// scores, linear base and leaf values scaled by 1/count (``scaled(by:)``), their trees
    /// joined and their linear bases added. A bag of models trained on the same rows with
    /// different validation splits, served as one model of the same format.
    /// - Throws: `LearningError.shapeMismatch` when `models` is empty, when they differ in
    ///   encoding or objective, or when their linear bases were fitted to different inputs
    ///   (other standardization statistics).
    public static func averaging(_ models: [GradientBoostedTrees]) throws -> GradientBoostedTrees {
        guard let first = models.first else { throw LearningError(.shapeMismatch, "averaging needs at least one model") }
        guard models.allSatisfy({ $0.encoding == first.encoding && $0.objective == first.objective }) else {
            throw LearningError(.shapeMismatch, "averaged models must have the same encoding and objective")
        }
        guard models.count > 1 else { return first }
        let parts = models.map { $0.scaled(by: 1 / Float(models.count)) }
        var linearBase: LinearScorer?
        for next in parts.compactMap(\.linearBase) {
            linearBase = try linearBase.map { try $0.adding(next) } ?? next
        }
        return GradientBoostedTrees(
            validated: first.encoding, objective: first.objective,
            baseScores: parts.dropFirst().reduce(parts[0].baseScores) { zip($0, $1.baseScores).map(+) },
            trees: parts.flatMap(\.trees), linearBase: linearBase, parameters: first.parameters,
            roundsKept: parts.map(\.roundsKept).reduce(0, +), validationLosses: [])
    }

    /// The model with some features fixed to values, over the remaining features: every split
    /// on a fixed feature is replaced by the branch the value takes. For every row, its raw
    /// scores equal this model's on the row extended with the fixed values (a linear base
    /// folds the fixed values' contribution into its intercepts).
    /// - Parameters:
    ///   - fixed: Feature name → value (a category code for a categorical feature, NaN for
    ///     missing).
    ///   - target: The remaining features, by name, in the order the new model reads them
    ///     (each must be a feature of this model with the same kind), and the label.
    /// - Throws: `LearningError.shapeMismatch` when a fixed feature or a target feature is not
    ///   one of the model's, or a feature is neither fixed nor in the target.
    public func specialized(fixing fixed: [String: Float], to target: FeatureEncoding) throws -> GradientBoostedTrees {
        let position = Dictionary(uniqueKeysWithValues: encoding.features.enumerated().map { ($1.name, $0) })
        var remap = [Int32](repeating: -1, count: encoding.featureCount)
        for (index, column) in target.features.enumerated() {
            guard let source = position[column.name], encoding.features[source] == column else {
                throw LearningError(.shapeMismatch, "feature '\(column.name)' is not one of the model's", field: column.name)
            }
            remap[source] = Int32(index)
        }
        var values = [Float](repeating: .nan, count: encoding.featureCount)
        for (name, value) in fixed {
            guard let source = position[name], remap[source] < 0 else {
                throw LearningError(.shapeMismatch, "fixed feature '\(name)' is not one of the model's other features", field: name)
            }
            values[source] = value
        }
        let isFixed = (0..<encoding.featureCount).map { fixed[encoding.features[$0].name] != nil }
        guard zip(isFixed, remap).allSatisfy({ $0 || $1 >= 0 }) else {
            throw LearningError(.shapeMismatch, "every feature must be fixed or kept")
        }
        guard target.label == encoding.label else {
            throw LearningError(.shapeMismatch, "the target encoding's label differs from the model's")
        }
        let specializedTrees = trees.map { $0.specialized(fixed: isFixed, values: values, remap: remap, encoding: encoding) }
        let specializedLinear = try linearBase?.specialized(fixed: isFixed, values: values, remap: remap, target: target)
        return try GradientBoostedTrees(
            encoding: target, objective: objective, baseScores: baseScores, trees: specializedTrees,
            linearBase: specializedLinear, parameters: parameters, roundsKept: roundsKept)
    }
}

extension RegressionTree {
    /// The tree with splits on fixed features resolved (see
    /// ``GradientBoostedTrees/specialized(fixing:to:)``); nodes are renumbered in pre-order,
    /// so children still follow their parents.
    func specialized(fixed: [Bool], values fixedValues: [Float], remap: [Int32], encoding: FeatureEncoding) -> RegressionTree {
        let leftSets = Dictionary(uniqueKeysWithValues: categorySplits.map { ($0.node, Set($0.leftCategories)) })
        var result = RegressionTree(
            outputIndex: outputIndex, splitFeatures: [], values: [], leftChildren: [], rightChildren: [], defaultLeft: [])

        /// The node a fixed split sends its value to.
        func branch(_ node: Int) -> Int {
            let feature = Int(splitFeatures[node])
            let value = fixedValues[feature]
            let goesLeft: Bool
            if let left = leftSets[node] {
                let count = encoding.features[feature].categories?.count ?? 0
                let code = Int(exactly: value.isNaN ? -1 : value) ?? -1
                goesLeft = (0..<count).contains(code) ? left.contains(code) : defaultLeft[node]
            } else {
                goesLeft = value.isNaN ? defaultLeft[node] : value <= values[node]
            }
            return Int(goesLeft ? leftChildren[node] : rightChildren[node])
        }

        /// Copies the subtree at `node` (skipping resolved splits) and returns its new index.
        func copy(_ node: Int) -> Int32 {
            var node = node
            while splitFeatures[node] >= 0 && fixed[Int(splitFeatures[node])] { node = branch(node) }
            let index = result.splitFeatures.count
            let isLeaf = splitFeatures[node] < 0
            result.splitFeatures.append(isLeaf ? -1 : remap[Int(splitFeatures[node])])
            result.values.append(values[node])
            result.leftChildren.append(-1)
            result.rightChildren.append(-1)
            result.defaultLeft.append(defaultLeft[node])
            if let left = leftSets[node] {
                result.categorySplits.append(CategorySplit(node: index, leftCategories: left.sorted()))
            }
            if !isLeaf {
                let left = copy(Int(leftChildren[node]))
                let right = copy(Int(rightChildren[node]))
                result.leftChildren[index] = left
                result.rightChildren[index] = right
            }
            return Int32(index)
        }

        _ = copy(0)
        return result
    }
}
