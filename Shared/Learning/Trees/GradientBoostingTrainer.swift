import Glibc
import FoundationEssentials

extension GradientBoostedTrees {
    /// Trains a gradient-boosted tree ensemble.
    ///
    /// Features are binned once (quantile edges, at most `maxBins` bins per feature); each
    /// round computes gradients for every row and grows one tree per output score on
    /// histograms built in parallel over row blocks. Training is deterministic for a given
    /// seed and input, whatever the number of cores.
    /// - Parameters:
    ///   - table: The training rows.
    ///   - validation: Optional rows with the same encoding, scored every round; with
    ///     `parameters.earlyStoppingRounds` they drive early stopping.
    ///   - parameters: Hyper-parameters.
    ///   - start: Per-row weights, and raw scores to continue boosting from (see
    ///     ``BoostingStart``); nil: unweighted, from the base scores.
    /// - Returns: The trained model.
    /// - Throws: `LearningError` `.emptyTrainingSet` (no rows), `.singleClass` (fewer than two
    ///   distinct labels in a classification table), `.invalidParameter`, `.shapeMismatch`
    ///   (validation encoding differs, or a start whose arrays do not fit the rows).
    public static func train(
        on table: Table, validation: Table? = nil, parameters: GradientBoostingParameters = GradientBoostingParameters(),
        start: BoostingStart? = nil
    ) throws -> GradientBoostedTrees {
        try parameters.validate()
        if parameters.linearBase { return try trainOnLinearBase(on: table, validation: validation, parameters: parameters, start: start) }
        var trainer = try GradientBoostingTrainer(table: table, validation: validation, parameters: parameters, start: start)
        return try trainer.run(observer: BoostingObserver.current)
    }
}

/// The boosting loop: gradients, trees, score updates, validation and early stopping.
struct GradientBoostingTrainer {
    let table: Table
    let validation: Table?
    let parameters: GradientBoostingParameters
    let objective: ModelObjective
    let binning: FeatureBinning
    let grower: TreeGrower
    let validationBins: BinnedRows?
    let start: BoostingStart?
    /// The features trees may split on (ascending): all but ``GradientBoostingParameters/ignoredFeatures``.
    let splittable: [Int]

    init(table: Table, validation: Table?, parameters: GradientBoostingParameters, start: BoostingStart? = nil) throws {
        guard table.rowCount > 0 else {
            throw LearningError(.emptyTrainingSet, "the training table has no rows")
        }
        guard table.featureCount > 0 else {
            throw LearningError(.emptyTrainingSet, "the training table has no features")
        }
        let objective = try parameters.objective ?? ModelObjective.matching(table.encoding.label)
        try Self.check(objective: objective, against: table)
        if let validation {
            guard validation.encoding == table.encoding else {
                throw LearningError(.shapeMismatch, "the validation table's encoding differs from the training table's")
            }
            guard validation.rowCount > 0 else {
                throw LearningError(.shapeMismatch, "the validation table has no rows")
            }
        }
        if let start { try start.check(rows: table.rowCount, validationRows: validation?.rowCount, scoreCount: objective.scoreCount) }
        splittable = try Self.splittable(table.encoding, ignoring: parameters.ignoredFeatures)
        self.start = start
        self.table = table
        self.validation = validation
        self.parameters = parameters
        self.objective = objective
        let binning = try FeatureBinning.fit(table: table, maxBins: parameters.maxBins)
        self.binning = binning
        let binned = binning.binRows(of: table)
        grower = TreeGrower(
            binned: binned, binning: binning,
            settings: TreeGrower.Settings(
                maxDepth: parameters.maxDepth, learningRate: Double(parameters.learningRate),
                lambda: Double(parameters.l2Lambda), minChildWeight: Double(parameters.minChildWeight)),
            gamma: Double(parameters.gamma))
        validationBins = validation.map { binning.binRows(of: $0) }
    }

    /// The indices of `encoding`'s features not named in `ignored`.
    /// - Throws: `LearningError` `.invalidParameter` (field `ignoredFeatures`) for a name the
    ///   encoding lacks, or when every feature is ignored.
    static func splittable(_ encoding: FeatureEncoding, ignoring ignored: [String]) throws -> [Int] {
        let names = Set(encoding.features.map(\.name))
        if let unknown = ignored.first(where: { !names.contains($0) }) {
            throw LearningError(.invalidParameter, "ignoredFeatures names \(unknown), which the table has no feature of", field: "ignoredFeatures")
        }
        let splittable = encoding.features.indices.filter { !ignored.contains(encoding.features[$0].name) }
        guard !splittable.isEmpty else {
            throw LearningError(.invalidParameter, "ignoredFeatures leaves no feature to split on", field: "ignoredFeatures")
        }
        return splittable
    }

    static func check(objective: ModelObjective, against table: Table) throws {
        switch (objective, table.encoding.label) {
        case (.squaredError, .regression): return
        case (.binaryLogistic, .classification(let classes)) where classes.count == 2: break
        case (.multiclassSoftmax(let count), .classification(let classes)) where count == classes.count && count > 2: break
        default:
            throw LearningError(
                .invalidParameter, "objective \(objective) does not fit the label \(table.encoding.label)",
                field: "objective")
        }
        var seen = Set<Float>()
        for label in table.labels {
            seen.insert(label)
            if seen.count > 1 { return }
        }
        throw LearningError(
            .singleClass, "every training row has the same class; classification needs at least two",
            field: table.encoding.labelName)
    }

    /// Initial scores: the mean for regression, log-odds or log class priors otherwise; zero
    /// when boosting continues from given raw scores (the trees then add to those).
    func baseScores() -> [Float] {
        if start?.baseMargin != nil { return [Float](repeating: 0, count: objective.scoreCount) }
        let labels = table.labels
        let weights = start?.rowWeights
        let totalWeight = weights.map { $0.reduce(0.0) { $0 + Double($1) } } ?? Double(labels.count)
        func weight(_ row: Int) -> Double { weights.map { Double($0[row]) } ?? 1 }
        switch objective {
        case .squaredError:
            var sum = 0.0
            for (row, label) in labels.enumerated() { sum += weight(row) * Double(label) }
            return [Float(sum / max(totalWeight, 1e-12))]
        case .binaryLogistic:
            var positive = 0.0
            for (row, label) in labels.enumerated() where label > 0.5 { positive += weight(row) }
            let p = min(max(positive / max(totalWeight, 1e-12), 1e-6), 1 - 1e-6)
            return [Float(Glibc.log(p / (1 - p)))]
        case .multiclassSoftmax(let classCount):
            var counts = [Double](repeating: 0, count: classCount)
            for (row, label) in labels.enumerated() { counts[Int(label)] += weight(row) }
            let logs = counts.map { Glibc.log(max($0 / max(totalWeight, 1e-12), 1e-6)) }
            let mean = logs.reduce(0, +) / Double(classCount)
            return logs.map { Float($0 - mean) }
        }
    }

    mutating func run(observer: BoostingObserver? = nil) throws -> GradientBoostedTrees {
        let rowCount = table.rowCount
        let scoreCount = objective.scoreCount
        let base = baseScores()
        var generator = SeededGenerator(seed: parameters.seed)

        var scores = start?.baseMargin ?? [Float](repeating: 0, count: rowCount * scoreCount)
        if start?.baseMargin == nil {
            for row in 0..<rowCount { for k in 0..<scoreCount { scores[row * scoreCount + k] = base[k] } }
        }
        var gradients = [SIMD2<Float>](repeating: .zero, count: rowCount * scoreCount)
        let validationRows = validation?.rowCount ?? 0
        var validationScores = start?.validationBaseMargin ?? [Float](repeating: 0, count: validationRows * scoreCount)
        if start?.validationBaseMargin == nil {
            for row in 0..<validationRows { for k in 0..<scoreCount { validationScores[row * scoreCount + k] = base[k] } }
        }
        var initialLoss: Double?
        if let validation { initialLoss = Self.loss(objective, scores: validationScores, labels: validation.labels) }

        var grown: [GrownTree] = []
        var losses: [Double] = [], errors: [Double] = []
        var bestLoss = Double.infinity
        var bestRound = -1

        for round in 0..<parameters.rounds {
            computeGradients(scores: scores, into: &gradients)
            if let weights = start?.rowWeights { Self.weigh(&gradients, by: weights, scoreCount: scoreCount) }
            let (sampled, unsampled) = sampleRows(&generator)
            for k in 0..<scoreCount {
                let features = sampleFeatures(&generator)
                let tree = gradients.withUnsafeBufferPointer { buffer in
                    grower.grow(gradients: buffer.baseAddress! + k * rowCount, sampledRows: sampled, features: features)
                }
                let walk = TreeWalk(tree)
                update(scores: &scores, with: tree, walk: walk, output: k, unsampled: unsampled)
                if let validationBins {
                    Self.add(tree: walk, to: &validationScores, output: k, scoreCount: scoreCount, bins: validationBins)
                }
                grown.append(tree)
            }
            if let validation {
                let loss = Self.loss(objective, scores: validationScores, labels: validation.labels)
                losses.append(loss)
                if objective.isClassification {
                    errors.append(Self.errorRate(objective, scores: validationScores, labels: validation.labels))
                }
                if loss < bestLoss {
                    bestLoss = loss
                    bestRound = round
                } else if let patience = parameters.earlyStoppingRounds, round - bestRound >= patience {
                    break
                }
            }
            try observer?.roundFinished(round + 1, parameters.rounds)
        }
        var roundsKept = grown.count / scoreCount
        if parameters.earlyStoppingRounds != nil, bestRound >= 0 {
            roundsKept = bestRound + 1
            grown.removeLast(grown.count - roundsKept * scoreCount)
        }
        let trees = grown.enumerated().map { index, tree in convert(tree, output: index % scoreCount) }
        return GradientBoostedTrees(
            validated: table.encoding, objective: objective, baseScores: base, trees: trees, parameters: parameters,
            roundsKept: roundsKept, validationLosses: losses, validationErrors: errors, initialValidationLoss: initialLoss)
    }

    /// Scales every row's gradient and hessian by its weight (a weight-w row counts as w rows).
    static func weigh(_ gradients: inout [SIMD2<Float>], by weights: [Float], scoreCount: Int) {
        let rowCount = weights.count
        for k in 0..<scoreCount {
            for row in 0..<rowCount { gradients[k * rowCount + row] *= weights[row] }
        }
    }

    /// Gradient and hessian of the loss for every row and output score, output-major.
    func computeGradients(scores: [Float], into gradients: inout [SIMD2<Float>]) {
        let rowCount = table.rowCount
        let objective = self.objective
        table.labels.withUnsafeBufferPointer { labels in
            scores.withUnsafeBufferPointer { scores in
                gradients.withUnsafeMutableBufferPointer { gradients in
                    let shared = UncheckedSendable((labels.baseAddress!, scores.baseAddress!, gradients.baseAddress!))
                    ParallelWork.forRanges(rowCount, minimumChunk: 8192) { range in
                        let (labels, scores, gradients) = shared.value
                        switch objective {
                        case .squaredError:
                            for row in range { gradients[row] = SIMD2(scores[row] - labels[row], 1) }
                        case .binaryLogistic:
                            for row in range {
                                let p = 1 / (1 + Glibc.exp(-scores[row]))
                                gradients[row] = SIMD2(p - labels[row], max(p * (1 - p), 1e-16))
                            }
                        case .multiclassSoftmax(let classCount):
                            // Each exponential once per row and class (kept for the second loop).
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: classCount) { exponentials in
                                for row in range {
                                    let rowScores = scores + row * classCount
                                    var maximum = rowScores[0]
                                    for k in 1..<classCount where rowScores[k] > maximum { maximum = rowScores[k] }
                                    var total: Float = 0
                                    for k in 0..<classCount {
                                        exponentials[k] = Glibc.exp(rowScores[k] - maximum)
                                        total += exponentials[k]
                                    }
                                    let label = Int(labels[row])
                                    for k in 0..<classCount {
                                        let p = exponentials[k] / total
                                        let g = k == label ? p - 1 : p
                                        // Per-class trees ignore the Hessian's off-diagonal terms;
                                        // doubling the diagonal bounds the full Hessian, so each
                                        // Newton step stays conservative (as XGBoost does).
                                        gradients[k * rowCount + row] = SIMD2(g, max(2 * p * (1 - p), 1e-16))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// This round's rows (nil: all) and the rows left out, by Bernoulli sampling.
    func sampleRows(_ generator: inout SeededGenerator) -> (sampled: [UInt32]?, unsampled: [UInt32]) {
        guard parameters.rowSubsample < 1 else { return (nil, []) }
        var sampled: [UInt32] = [], unsampled: [UInt32] = []
        sampled.reserveCapacity(Int(Double(table.rowCount) * Double(parameters.rowSubsample)) + 16)
        let rate = Double(parameters.rowSubsample)
        for row in 0..<table.rowCount {
            if generator.nextUnitDouble() < rate { sampled.append(UInt32(row)) } else { unsampled.append(UInt32(row)) }
        }
        return (sampled, unsampled)
    }

    /// The features one tree may split on (ascending): a sample of ``splittable``.
    func sampleFeatures(_ generator: inout SeededGenerator) -> [Int] {
        guard parameters.columnSubsample < 1 else { return splittable }
        let keep = max(1, Int((Double(parameters.columnSubsample) * Double(splittable.count)).rounded()))
        var all = splittable
        all.shuffle(using: &generator)
        return all[..<keep].sorted()
    }

    /// Adds a new tree's leaf values to the training scores: through the leaves' row
    /// segments for the rows it grew on, by walking it for the rows left out.
    func update(scores: inout [Float], with tree: GrownTree, walk: TreeWalk, output: Int, unsampled: [UInt32]) {
        let scoreCount = objective.scoreCount
        let grower = self.grower
        scores.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedSendable((buffer.baseAddress!, tree, grower))
            // One addition per row: a few thousand rows are microseconds, less than waking a thread.
            let grownRows = tree.leafRows.reduce(0) { $0 + $1.count }
            ParallelWork.forEach(tree.leafRows.count, serial: grownRows < 16_384) { leafIndex in
                let (scores, tree, grower) = shared.value
                let leaf = tree.leafRows[leafIndex]
                let value = tree.nodes[leaf.node].value
                let rows = grower.rowBuffer(leaf.buffer) + leaf.start
                for i in 0..<leaf.count { scores[Int(rows[i]) * scoreCount + output] += value }
            }
            if !unsampled.isEmpty {
                let rows = UncheckedSendable(unsampled)
                ParallelWork.forRanges(unsampled.count, minimumChunk: 4096) { range in
                    let (scores, _, grower) = shared.value
                    for i in range {
                        let row = Int(rows.value[i])
                        scores[row * scoreCount + output] += walk.value(forBinnedRow: grower.binnedRow(row))
                    }
                }
            }
        }
    }

    /// Adds a tree's values to the scores of binned rows (validation).
    static func add(tree: TreeWalk, to scores: inout [Float], output: Int, scoreCount: Int, bins: BinnedRows) {
        let width = bins.featureCount
        bins.bins.withUnsafeBufferPointer { binBuffer in
            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                let shared = UncheckedSendable((binBuffer.baseAddress!, scoreBuffer.baseAddress!, tree))
                ParallelWork.forRanges(bins.rowCount, minimumChunk: 4096) { range in
                    let (bins, scores, tree) = shared.value
                    for row in range {
                        scores[row * scoreCount + output] += tree.value(forBinnedRow: bins + row * width)
                    }
                }
            }
        }
    }

    /// Mean log loss for classification, RMSE for regression.
    static func loss(_ objective: ModelObjective, scores: [Float], labels: [Float]) -> Double {
        let outputCount = objective.outputCount
        var output = [Float](repeating: 0, count: outputCount)
        var total = 0.0
        scores.withUnsafeBufferPointer { scores in
            output.withUnsafeMutableBufferPointer { output in
                for (row, label) in labels.enumerated() {
                    objective.transform(scores: scores.baseAddress! + row * objective.scoreCount, output: output.baseAddress!)
                    if objective.isClassification {
                        total -= Glibc.log(max(Double(output[Int(label)]), 1e-15))
                    } else {
                        let error = Double(output[0] - label)
                        total += error * error
                    }
                }
            }
        }
        let mean = total / Double(labels.count)
        return objective.isClassification ? mean : mean.squareRoot()
    }

    /// The share of rows whose highest-scoring class is not the label (classification).
    static func errorRate(_ objective: ModelObjective, scores: [Float], labels: [Float]) -> Double {
        let scoreCount = objective.scoreCount
        var wrong = 0
        scores.withUnsafeBufferPointer { scores in
            for (row, label) in labels.enumerated() {
                let rowScores = UnsafeBufferPointer(rebasing: scores[(row * scoreCount)..<((row + 1) * scoreCount)])
                let predicted = scoreCount == 1 ? (rowScores[0] > 0 ? 1 : 0) : GradientBoostedTrees.argmax(rowScores)
                if predicted != Int(label) { wrong += 1 }
            }
        }
        return Double(wrong) / Double(max(1, labels.count))
    }

    /// The public form of a grown tree: float thresholds and category codes instead of bins.
    func convert(_ tree: GrownTree, output: Int) -> RegressionTree {
        var features: [Int32] = [], values: [Float] = [], lefts: [Int32] = [], rights: [Int32] = []
        var defaults: [Bool] = [], categorySplits: [RegressionTree.CategorySplit] = []
        for (index, node) in tree.nodes.enumerated() {
            features.append(node.feature)
            lefts.append(node.left)
            rights.append(node.right)
            defaults.append(node.defaultLeft)
            if node.isLeaf {
                values.append(node.value)
            } else if let set = node.categorical {
                values.append(0)
                let count = binning.features[Int(node.feature)].categoryCount ?? 0
                categorySplits.append(
                    RegressionTree.CategorySplit(node: index, leftCategories: (0..<count).filter { set.contains($0 + 1) }))
            } else {
                values.append(binning.threshold(feature: Int(node.feature), splitBin: node.splitBin))
            }
        }
        return RegressionTree(
            outputIndex: output, splitFeatures: features, values: values, leftChildren: lefts, rightChildren: rights,
            defaultLeft: defaults, categorySplits: categorySplits)
    }
}
