/// Ridge regression (least squares with an L2 penalty) on standardised inputs, solved
/// exactly: a baseline for the tree models on regression tasks.
///
/// Minimises mean squared error + λ·‖w‖² (the intercept is not penalised) through the normal
/// equations and a Cholesky factorisation. Categorical features are one-hot encoded; missing
/// values contribute nothing.
public struct RidgeRegression: TabularModel {
    /// The columns the model reads and its label.
    public let encoding: FeatureEncoding
    /// Always `.squaredError`.
    public var objective: ModelObjective { .squaredError }
    /// Per expanded input: the training mean.
    public var means: [Float] { scorer.encoder.means }
    /// Per expanded input: the training standard deviation (1 for constant inputs).
    public var scales: [Float] { scorer.encoder.scales }
    /// One weight per expanded, standardised input.
    public var weights: [Float] { scorer.weights }
    /// The intercept.
    public var intercept: Float { scorer.intercepts[0] }
    /// The L2 penalty the model was trained with.
    public let l2Lambda: Float

    let scorer: LinearScorer
    let validator: FeatureValidator

    /// Assembles a model from its parts (as decoded from the model format).
    /// - Throws: `LearningError` `.corruptModel` when the parts do not fit together.
    public init(
        encoding: FeatureEncoding, means: [Float], scales: [Float], weights: [Float], intercept: Float, l2Lambda: Float
    ) throws {
        guard case .regression = encoding.label else {
            throw LearningError(.corruptModel, "a ridge model needs a regression label")
        }
        let encoder = try LinearInputEncoder(encoding: encoding, means: means, scales: scales)
        scorer = try LinearScorer(encoder: encoder, scoreCount: 1, weights: weights, intercepts: [intercept])
        self.encoding = encoding
        self.l2Lambda = l2Lambda
        validator = FeatureValidator(encoding: encoding)
    }

    /// Trains a ridge regression.
    /// - Parameters:
    ///   - table: Training rows with a regression label.
    ///   - l2Lambda: The penalty λ ≥ 0 (0 is ordinary least squares).
    /// - Throws: `LearningError` `.emptyTrainingSet`, `.invalidParameter` (classification
    ///   label, negative λ), `.numericalFailure` (singular system, e.g. λ = 0 with collinear
    ///   inputs).
    public static func train(on table: Table, l2Lambda: Float = 1e-2) throws -> RidgeRegression {
        guard l2Lambda >= 0, l2Lambda.isFinite else {
            throw LearningError(.invalidParameter, "l2Lambda must be finite and >= 0, got \(l2Lambda)", field: "l2Lambda")
        }
        guard case .regression = table.encoding.label else {
            throw LearningError(.invalidParameter, "ridge regression needs a regression label", field: table.encoding.labelName)
        }
        guard table.rowCount > 0 else { throw LearningError(.emptyTrainingSet, "the training table has no rows") }
        let encoder = LinearInputEncoder(fitting: table)
        let width = encoder.width
        let size = width + 1
        let design = encoder.designMatrix(of: table)
        let rows = table.rowCount
        // Normal equations over [inputs, 1]: (XᵀX + nλ·I_w) θ = Xᵀy.
        var matrix = [Double](repeating: 0, count: size * size)
        var vector = [Double](repeating: 0, count: size)
        var extended = [Double](repeating: 1, count: size)
        for row in 0..<rows {
            for j in 0..<width { extended[j] = Double(design[row * width + j]) }
            let y = Double(table.labels[row])
            for i in 0..<size {
                let xi = extended[i]
                if xi == 0 { continue }
                vector[i] += xi * y
                for j in i..<size { matrix[i * size + j] += xi * extended[j] }
            }
        }
        for i in 0..<size { for j in 0..<i { matrix[i * size + j] = matrix[j * size + i] } }
        for i in 0..<width { matrix[i * size + i] += Double(rows) * Double(l2Lambda) }
        guard let theta = Self.solveCholesky(matrix, vector, size: size) else {
            throw LearningError(
                .numericalFailure, "the ridge system is singular; use l2Lambda > 0 or remove collinear features",
                field: "l2Lambda")
        }
        return try RidgeRegression(
            encoding: table.encoding, means: encoder.means, scales: encoder.scales,
            weights: theta[0..<width].map { Float($0) }, intercept: Float(theta[width]), l2Lambda: l2Lambda)
    }

    /// Solves a symmetric positive definite system; nil when it is not (numerically) definite.
    public static func solveCholesky(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        let largest = (0..<n).map { a[$0 * n + $0] }.max() ?? 1
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 1e-12 * max(1, largest) else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
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
