import Glibc
import LifelongLearning

/// How far a model's raw scores are off on a set of rows by one constant per class
/// (calibration in the large): the score each class needs added (class 0's fixed at zero),
/// fitted by maximum likelihood (Newton's method) with a small ridge penalty that keeps it
/// finite when a class is missing from the rows, and its Fisher information. Two sets of rows
/// scored by the same models can then be compared: when the model is off by the same amount
/// on both, their shifts agree up to chance (``waldStatistic(_:_:)``); when the new rows'
/// labels follow a function of another level (a shop that now sells less at every price),
/// they need another shift.
struct ScoreShift {
    /// Per class but the first, the score added.
    var parameters: [Double]
    /// The information matrix at the fit (row-major, parameters × parameters), ridge included.
    var information: [Double]

    /// Fits the shift of `margins` (raw scores per row; one score: the positive
    /// class's logit) for `labels`.
    /// - Parameter ridge: The penalty on the squared parameters (a normal prior of variance 1/ridge).
    init(margins: [[Float]], labels: [Int], ridge: Double = 1) {
        let scores = margins.map { $0.count == 1 ? [0, Double($0[0])] : $0.map(Double.init) }
        let classes = scores.first?.count ?? 2
        let size = classes - 1
        var parameters = [Double](repeating: 0, count: size)
        var information = [Double](repeating: 0, count: size * size)
        for _ in 0..<50 {
            var gradient = parameters.map { -ridge * $0 }
            information = (0..<(size * size)).map { $0 % (size + 1) == 0 ? ridge : 0 }
            for (row, label) in zip(scores, labels) {
                // Parameter j shifts class j + 1: the softmax's gradient and information.
                let probabilities = Self.probabilities(row, parameters)
                for j in 0..<size {
                    gradient[j] += (label == j + 1 ? 1 : 0) - probabilities[j + 1]
                    for l in 0..<size {
                        information[j * size + l] += probabilities[j + 1] * ((j == l ? 1 : 0) - probabilities[l + 1])
                    }
                }
            }
            guard let step = RidgeRegression.solveCholesky(information, gradient, size: size) else { break }
            for j in 0..<size { parameters[j] += max(-1, min(1, step[j])) }
            if step.allSatisfy({ abs($0) < 1e-9 }) { break }
        }
        self.parameters = parameters
        self.information = information
    }

    /// Class probabilities under shifted scores.
    private static func probabilities(_ scores: [Double], _ parameters: [Double]) -> [Double] {
        let shifted = scores.enumerated().map { $1 + ($0 == 0 ? 0 : parameters[$0 - 1]) }
        let maximum = shifted.max()!
        let exps = shifted.map { Glibc.exp($0 - maximum) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// The Wald statistic of two fits' difference, (a − b)ᵀ (Iₐ⁻¹ + I_b⁻¹)⁻¹ (a − b): about χ²
    /// with one degree of freedom per parameter when both sets are off by the same amount;
    /// nil when an information matrix is singular or the fits have different sizes.
    static func waldStatistic(_ a: ScoreShift, _ b: ScoreShift) -> Double? {
        let size = a.parameters.count
        guard b.parameters.count == size, let inverseA = inverse(a.information, size: size),
            let inverseB = inverse(b.information, size: size)
        else { return nil }
        let covariance = zip(inverseA, inverseB).map { $0 + $1 }
        let difference = zip(a.parameters, b.parameters).map { $0 - $1 }
        guard let solved = RidgeRegression.solveCholesky(covariance, difference, size: size) else { return nil }
        return zip(difference, solved).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The inverse of a symmetric positive definite matrix (row-major), column by column.
    private static func inverse(_ matrix: [Double], size: Int) -> [Double]? {
        var columns: [[Double]] = []
        for column in 0..<size {
            guard let solved = RidgeRegression.solveCholesky(matrix, (0..<size).map { $0 == column ? 1 : 0 }, size: size) else {
                return nil
            }
            columns.append(solved)
        }
        return (0..<(size * size)).map { columns[$0 % size][$0 / size] }
    }
}
