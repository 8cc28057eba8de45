import Glibc
import FoundationEssentials

/// L2-regularised logistic regression (binary, or multinomial softmax for three or more
/// classes) on standardised inputs: a baseline for the tree models.
///
/// Categorical features are one-hot encoded; missing values contribute nothing (see
/// `LinearInputEncoder`). Training minimises mean log loss + λ/2·‖W‖² (intercepts are not
/// penalised) with L-BFGS; it is deterministic.
///
/// With ``Parameters/categorySlopeFeatures``, every value of each named categorical feature
/// also gets offsets to the weights of the other features' inputs (its own slopes), under a
/// penalty of their own (``Parameters/slopeL2Lambda``), so the shared weights carry what the
/// categories have in common and the offsets only how a category differs: per attribute
/// value of a task, how its label answers the features.
public struct LogisticRegression: TabularModel {
    /// Training settings.
    public struct Parameters: Sendable, Hashable {
        /// L2 penalty λ on the weights. ≥ 0.
        public var l2Lambda: Float = 1e-3
        /// L-BFGS iterations at most. ≥ 1.
        public var maxIterations: Int = 300
        /// Stop when no gradient component exceeds this. > 0.
        public var gradientTolerance: Double = 1e-6
        /// Categorical features (by name) whose values each get slopes of their own: offsets
        /// to the weights of every input that is not one of these features'. Empty: none.
        public var categorySlopeFeatures: [String] = []
        /// L2 penalty on the category slopes' offsets. ≥ 0.
        public var slopeL2Lambda: Float = 1e-2

        /// Default settings.
        public init() {}
    }

    /// The columns the model reads and its classes.
    public let encoding: FeatureEncoding
    /// Binary logistic or multi-class softmax.
    public let objective: ModelObjective
    /// Per expanded input: the training mean.
    public var means: [Float] { scorer.encoder.means }
    /// Per expanded input: the training standard deviation (1 for constant inputs).
    public var scales: [Float] { scorer.encoder.scales }
    /// `scoreCount × inputWidth` weights on standardised inputs, output-major.
    public var weights: [Float] { scorer.weights }
    /// One intercept per score.
    public var intercepts: [Float] { scorer.intercepts }
    /// The L2 penalty the model was trained with.
    public let l2Lambda: Float
    /// The categorical features whose values have slopes of their own (empty: none).
    public var categorySlopeFeatures: [String] { scorer.slopes.map { encoding.features[$0.feature].name } }

    let scorer: LinearScorer
    let validator: FeatureValidator

    /// Assembles a model from its parts (as decoded from the model format).
    /// - Throws: `LearningError` `.corruptModel` when the parts do not fit together.
    public init(
        encoding: FeatureEncoding, objective: ModelObjective, means: [Float], scales: [Float], weights: [Float],
        intercepts: [Float], l2Lambda: Float
    ) throws {
        let encoder = try LinearInputEncoder(encoding: encoding, means: means, scales: scales)
        try self.init(
            encoding: encoding, objective: objective, l2Lambda: l2Lambda,
            scorer: LinearScorer(encoder: encoder, scoreCount: objective.scoreCount, weights: weights, intercepts: intercepts))
    }

    /// A model around a scorer over `encoding` (which may have category slopes).
    init(encoding: FeatureEncoding, objective: ModelObjective, l2Lambda: Float, scorer: LinearScorer) throws {
        switch (objective, encoding.label) {
        case (.binaryLogistic, .classification(let classes)) where classes.count == 2: break
        case (.multiclassSoftmax(let count), .classification(let classes)) where count == classes.count && count > 2: break
        default:
            throw LearningError(.corruptModel, "objective \(objective) does not fit a logistic model of \(encoding.label)")
        }
        self.scorer = scorer
        self.encoding = encoding
        self.objective = objective
        self.l2Lambda = l2Lambda
        validator = FeatureValidator(encoding: encoding)
    }

    /// Trains a logistic regression.
    /// - Throws: `LearningError` `.emptyTrainingSet`, `.singleClass`, `.invalidParameter`
    ///   (regression label, bad settings, or a slope feature that is not a categorical
    ///   feature of the table).
    public static func train(on table: Table, parameters: Parameters = Parameters()) throws -> LogisticRegression {
        guard parameters.l2Lambda >= 0, parameters.l2Lambda.isFinite else {
            throw LearningError(.invalidParameter, "l2Lambda must be finite and >= 0, got \(parameters.l2Lambda)", field: "l2Lambda")
        }
        guard parameters.slopeL2Lambda >= 0, parameters.slopeL2Lambda.isFinite else {
            throw LearningError(
                .invalidParameter, "slopeL2Lambda must be finite and >= 0, got \(parameters.slopeL2Lambda)", field: "slopeL2Lambda")
        }
        guard parameters.maxIterations >= 1, parameters.gradientTolerance > 0 else {
            throw LearningError(.invalidParameter, "maxIterations must be >= 1 and gradientTolerance > 0", field: "maxIterations")
        }
        guard case .classification = table.encoding.label else {
            throw LearningError(.invalidParameter, "logistic regression needs a classification label", field: table.encoding.labelName)
        }
        guard table.rowCount > 0 else { throw LearningError(.emptyTrainingSet, "the training table has no rows") }
        let objective = try ModelObjective.matching(table.encoding.label)
        try GradientBoostingTrainer.check(objective: objective, against: table)

        let encoder = LinearInputEncoder(fitting: table)
        let width = encoder.width
        let scoreCount = objective.scoreCount
        let design = encoder.designMatrix(of: table)
        let labels = table.classLabels
        let rows = table.rowCount
        let lambda = Double(parameters.l2Lambda)
        // Parameters: weights (scoreCount × width), then intercepts, then the category slopes.
        let slopes = try CategorySlopeLayout(
            features: parameters.categorySlopeFeatures, table: table, encoder: encoder, scoreCount: scoreCount,
            firstParameter: scoreCount * width + scoreCount)
        let chunkCount = min(64, max(1, rows / 2048))
        let objectiveFunction = { (theta: [Double], gradient: inout [Double]) -> Double in
            var partialLoss = [Double](repeating: 0, count: chunkCount)
            var partialGradients = [[Double]](repeating: [], count: chunkCount)
            design.withUnsafeBufferPointer { design in
                let shared = UncheckedSendable((design.baseAddress!, theta, labels, slopes))
                let lossOut = UncheckedSendable(UnsafeMutableBufferPointer<Double>.allocate(capacity: chunkCount))
                let gradientsOut = UncheckedSendable(UnsafeMutableBufferPointer<[Double]>.allocate(capacity: chunkCount))
                defer {
                    lossOut.value.deallocate()
                    gradientsOut.value.deallocate()
                }
                ParallelWork.forEach(chunkCount) { chunk in
                    let (x, theta, labels, slopes) = shared.value
                    let start = chunk * rows / chunkCount, end = (chunk + 1) * rows / chunkCount
                    var g = [Double](repeating: 0, count: theta.count)
                    var loss = 0.0
                    var scores = [Double](repeating: 0, count: scoreCount)
                    for row in start..<end {
                        let inputs = x + row * width
                        for k in 0..<scoreCount {
                            var s = theta[scoreCount * width + k]
                            for j in 0..<width { s += theta[k * width + j] * Double(inputs[j]) }
                            slopes.forEachBlock(row: row, output: k) { block in
                                for (i, input) in slopes.inputs.enumerated() { s += theta[block + i] * Double(inputs[input]) }
                            }
                            scores[k] = s
                        }
                        if scoreCount == 1 {
                            let y = Double(labels[row])
                            let s = scores[0]
                            // log(1 + e^s) - y s, computed stably.
                            loss += max(s, 0) + Glibc.log1p(Glibc.exp(-abs(s))) - y * s
                            scores[0] = 1 / (1 + Glibc.exp(-s)) - y
                        } else {
                            let maximum = scores.max()!
                            var total = 0.0
                            for k in 0..<scoreCount { total += Glibc.exp(scores[k] - maximum) }
                            let logTotal = Glibc.log(total) + maximum
                            loss += logTotal - scores[labels[row]]
                            for k in 0..<scoreCount {
                                scores[k] = Glibc.exp(scores[k] - logTotal) - (k == labels[row] ? 1 : 0)
                            }
                        }
                        for k in 0..<scoreCount {
                            let residual = scores[k]
                            for j in 0..<width { g[k * width + j] += residual * Double(inputs[j]) }
                            g[scoreCount * width + k] += residual
                            slopes.forEachBlock(row: row, output: k) { block in
                                for (i, input) in slopes.inputs.enumerated() { g[block + i] += residual * Double(inputs[input]) }
                            }
                        }
                    }
                    lossOut.value[chunk] = loss
                    (gradientsOut.value.baseAddress! + chunk).initialize(to: g)
                }
                for chunk in 0..<chunkCount {
                    partialLoss[chunk] = lossOut.value[chunk]
                    partialGradients[chunk] = (gradientsOut.value.baseAddress! + chunk).move()
                }
            }
            var loss = 0.0
            for i in gradient.indices { gradient[i] = 0 }
            for chunk in 0..<chunkCount {
                loss += partialLoss[chunk]
                for i in gradient.indices { gradient[i] += partialGradients[chunk][i] }
            }
            loss /= Double(rows)
            for i in gradient.indices { gradient[i] /= Double(rows) }
            for i in 0..<(scoreCount * width) {
                loss += 0.5 * lambda * theta[i] * theta[i]
                gradient[i] += lambda * theta[i]
            }
            let slopeLambda = Double(parameters.slopeL2Lambda)
            for i in slopes.firstParameter..<slopes.parameterCount {
                loss += 0.5 * slopeLambda * theta[i] * theta[i]
                gradient[i] += slopeLambda * theta[i]
            }
            return loss
        }
        var minimizer = LBFGSMinimizer()
        minimizer.maxIterations = parameters.maxIterations
        minimizer.gradientTolerance = parameters.gradientTolerance
        var start = [Double](repeating: 0, count: slopes.parameterCount)
        // Start the intercepts at the class priors.
        var counts = [Double](repeating: 0, count: table.encoding.classCount)
        for label in labels { counts[label] += 1 }
        if scoreCount == 1 {
            let p = min(max(counts[1] / Double(rows), 1e-6), 1 - 1e-6)
            start[width] = Glibc.log(p / (1 - p))
        } else {
            for k in 0..<scoreCount { start[scoreCount * width + k] = Glibc.log(max(counts[k] / Double(rows), 1e-6)) }
        }
        let theta = minimizer.minimize(start: start, objective: objectiveFunction)
        let scorer = try LinearScorer(
            encoder: encoder, scoreCount: scoreCount, weights: theta[0..<(scoreCount * width)].map { Float($0) },
            intercepts: theta[(scoreCount * width)..<slopes.firstParameter].map { Float($0) },
            slopes: slopes.features.indices.map { (slopes.features[$0], slopes.offsets(ofSlope: $0, in: theta, width: width)) })
        return try LogisticRegression(encoding: table.encoding, objective: objective, l2Lambda: parameters.l2Lambda, scorer: scorer)
    }

    /// Predicts one row into caller-owned storage without allocating.
    public func predict(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws {
        try scorer.predict(row: row, into: output, validator: validator, objective: objective)
    }

    /// Predicts many rows in parallel.
    public func predictBatch(rowMajor: [Float]) throws -> [Float] {
        try scorer.predictBatch(rowMajor: rowMajor, validator: validator, objective: objective)
    }
}
