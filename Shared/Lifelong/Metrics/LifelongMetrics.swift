/// The accuracy matrix of a lifelong experiment and the transfer measures computed from it.
///
/// The matrix has R + 1 rows and R columns: row 0 is the model before round 1 (trained on the
/// initial data, or untrained without it), row i the model after round i; column c (0-based)
/// is the test set of round c + 1. In the notation of REFERENCE.md (1-based rounds j),
/// `M[i][j]` is `values[i][j - 1]` and `b_j = M[0][j]`.
///
/// `backwardTransfer`, `forwardTransfer` and `forgetting` follow GEM (Lopez-Paz & Ranzato 2017)
/// and Chaudhry et al. 2018; Ianvs's formulas are kept as `ianvsBackwardTransfer` and
/// `ianvsForwardTransfer`.
public struct AccuracyMatrix: Sendable, Hashable {
    /// `values[i][c]`: accuracy of the model after round i on the test set of round c + 1.
    public var values: [[Double]]

    /// Creates a matrix.
    /// - Throws: `LifelongError.invalidParameter` unless it has R + 1 rows of R values, R ≥ 1.
    public init(_ values: [[Double]]) throws {
        let rounds = values.first?.count ?? 0
        guard rounds >= 1, values.count == rounds + 1, values.allSatisfy({ $0.count == rounds }) else {
            throw LifelongError(.invalidParameter, "an accuracy matrix needs R + 1 rows of R values (R >= 1)", field: "matrix")
        }
        self.values = values
    }

    /// The number of rounds R.
    public var rounds: Int { values[0].count }

    /// Whether BWT, FWT and forgetting measure anything: they need an earlier round (R ≥ 2).
    public var hasEarlierRounds: Bool { rounds >= 2 }

    /// GEM backward transfer: 1/(R−1) · Σ_{j<R} (M[R][j] − M[j][j]), rounds j = 1…R−1.
    ///
    /// How the accuracy on each earlier round's test set changed between right after that
    /// round was learned and the end. Negative means forgetting; learning a round's own data
    /// does not count. 0 when R = 1 (no earlier round).
    public var backwardTransfer: Double {
        let r = rounds
        guard r >= 2 else { return 0 }
        // Round j = c + 1 was learned in row c + 1.
        let total = (0..<(r - 1)).reduce(0.0) { $0 + values[r][$1] - values[$1 + 1][$1] }
        return total / Double(r - 1)
    }

    /// GEM forward transfer: 1/(R−1) · Σ_{j≥2} (M[j−1][j] − b_j), b_j = M[0][j].
    ///
    /// The accuracy on a round's test set just before its data is learned, against row 0 (the
    /// model of the initial data, or untrained): how much the earlier rounds help with what is
    /// not yet learned. Round 1 is left out (its "before" is row 0 itself). 0 when R = 1.
    public var forwardTransfer: Double {
        let r = rounds
        guard r >= 2 else { return 0 }
        // Before round j = c + 1 is learned the model is row c.
        let total = (1..<r).reduce(0.0) { $0 + values[$1][$1] - values[0][$1] }
        return total / Double(r - 1)
    }

    /// Forgetting (Chaudhry et al. 2018): 1/(R−1) · Σ_{j<R} (max_{j≤l<R} M[l][j] − M[R][j]).
    ///
    /// The drop on each earlier round's test set from the best accuracy reached after it was
    /// learned (and before the end) to the final accuracy. Positive means forgetting; it is not
    /// clamped, so a round that ends above its earlier best counts negatively. 0 when R = 1.
    public var forgetting: Double {
        let r = rounds
        guard r >= 2 else { return 0 }
        var total = 0.0
        for c in 0..<(r - 1) {
            let best = ((c + 1)..<r).reduce(-Double.infinity) { max($0, values[$1][c]) }
            total += best - values[r][c]
        }
        return total / Double(r - 1)
    }

    /// Learning accuracy (Riemer et al. 2019), weighted by test rows: Σ_j M[j][j] · n_j / Σ_j n_j
    /// over the rounds j = 1…R, where n_j is the number of rows of round j's test set.
    ///
    /// Each round's test set scored by the model right after that round was learned. Weighted
    /// by rows as the average accuracy is (Riemer et al. average over tasks), so for a method
    /// that never changes what it learned it equals the final average accuracy, and a method's
    /// final figure minus this one is what later rounds' rows changed on earlier rounds' tests.
    /// - Parameter testRows: n_1…n_R, the rows of each round's test set.
    /// - Throws: `LifelongError.invalidParameter` unless there are R non-negative counts, not all 0.
    public func learningAccuracy(testRows: [Int]) throws -> Double {
        guard testRows.count == rounds, testRows.allSatisfy({ $0 >= 0 }), testRows.contains(where: { $0 > 0 }) else {
            throw LifelongError(.invalidParameter, "learning accuracy needs one non-negative row count per round, not all 0 (\(rounds) rounds, \(testRows.count) counts)", field: "testRows")
        }
        // Round j = c + 1 was learned in row c + 1.
        let correct = (0..<rounds).reduce(0.0) { $0 + values[$1 + 1][$1] * Double(testRows[$1]) }
        return correct / Double(testRows.reduce(0, +))
    }

    /// Ianvs's documented backward transfer: (1/R²) · Σ_i Σ_j (M[i+1][j] − M[i][j]).
    ///
    /// The sum telescopes to "final row minus row 0" on every test set, so learning a round's
    /// own data counts as backward transfer and forgetting is hidden. Reported only under this
    /// name, for comparison with Ianvs.
    public var ianvsBackwardTransfer: Double {
        let r = rounds
        var total = 0.0
        for i in 0..<r { for j in 0..<r { total += values[i + 1][j] - values[i][j] } }
        return total / Double(r * r)
    }

    /// Ianvs's forward transfer (as its code computes it): (1/R) · Σ_i (M[i][i] − M[0][i]) over
    /// the rounds i = 1…R: what learning round i brings to its own test set over row 0.
    public var ianvsForwardTransfer: Double {
        let r = rounds
        var total = 0.0
        for i in 1...r { total += values[i][i - 1] - values[0][i - 1] }
        return total / Double(r)
    }
}

/// Formulas that are not about the matrix.
public enum LifelongMetrics {
    /// Mean of per-task accuracies (each task counts once, whatever its size), summed in
    /// task-name order so that the same accuracies give the same bits in every run.
    /// - Returns: 0 for no tasks.
    public static func taskAverageAccuracy(_ perTask: [String: Double]) -> Double {
        perTask.isEmpty ? 0 : perTask.sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value } / Double(perTask.count)
    }

    /// Samples uploaded from edge to cloud ÷ samples inferred: the share of edge data that
    /// left the edge (lower is better for data security).
    /// - Returns: 0 when nothing was inferred.
    public static func samplesTransferRatio(uploaded: Int, inferred: Int) -> Double {
        inferred == 0 ? 0 : Double(uploaded) / Double(inferred)
    }

    /// How much more accurate method A is than method B on the same rows, and how precisely
    /// those rows tell: the mean of the per-row differences `correctA − correctB` and its
    /// standard error, √(Σ(d − d̄)² / (n − 1) / n) — the paired comparison of two classifiers on
    /// one test set (only the rows where they disagree contribute). Both in accuracy units.
    /// - Returns: nil unless both have the same number of rows, at least two.
    public static func pairedAccuracyDifference(_ correctA: [Bool], _ correctB: [Bool]) -> (difference: Double, standardError: Double)? {
        guard correctA.count == correctB.count, correctA.count > 1 else { return nil }
        let estimate = meanWithStandardError(zip(correctA, correctB).map { Double($0 ? 1 : 0) - Double($1 ? 1 : 0) })
        return (estimate.mean, estimate.standardError)
    }

    /// Method A's accuracy over method B's on the same rows (ΣA / ΣB), and its standard error
    /// by the delta method: √(Σ(u − ū)² / (n − 1) / n) over the per-row influences
    /// u = (correct_A − ratio · correct_B) / mean(correct_B).
    /// - Returns: nil unless both have the same number of rows, at least two, and B is right on
    ///   at least one.
    public static func pairedAccuracyRatio(_ correctA: [Bool], _ correctB: [Bool]) -> (ratio: Double, standardError: Double)? {
        guard correctA.count == correctB.count, correctA.count > 1 else { return nil }
        let count = Double(correctA.count)
        let rightA = Double(correctA.filter { $0 }.count), rightB = Double(correctB.filter { $0 }.count)
        guard rightB > 0 else { return nil }
        let ratio = rightA / rightB
        let meanB = rightB / count
        let influences = zip(correctA, correctB).map { ((($0 ? 1 : 0) - ratio * ($1 ? 1 : 0)) as Double) / meanB }
        return (ratio, meanWithStandardError(influences).standardError)
    }

    /// The mean of per-row values and its standard error, √(Σ(x − x̄)² / (n − 1) / n) (at least
    /// two values): the estimate behind every paired comparison on the same rows.
    static func meanWithStandardError(_ values: [Double]) -> (mean: Double, standardError: Double) {
        let count = Double(values.count)
        let mean = values.reduce(0, +) / count
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
        return (mean, (variance / count).squareRoot())
    }

    /// Accuracy per task key from predictions.
    public static func perTaskAccuracy(keys: [String], predicted: [Int], labels: [Int]) -> [String: Double] {
        var correct: [String: Int] = [:], total: [String: Int] = [:]
        for (index, key) in keys.enumerated() {
            total[key, default: 0] += 1
            if predicted[index] == labels[index] { correct[key, default: 0] += 1 }
        }
        return total.reduce(into: [:]) { result, entry in
            result[entry.key] = Double(correct[entry.key] ?? 0) / Double(entry.value)
        }
    }
}
