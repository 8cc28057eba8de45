/// The Ianvs lifelong-learning metrics.
///
/// The accuracy matrix has R + 1 rows (row 0: the model before round 1, row i: after round
/// i) and R columns (test set of round j).
public struct AccuracyMatrix: Sendable, Hashable {
    /// `values[i][j]`: accuracy of the model after round i on test set j.
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

    /// Backward transfer: (1/R²) Σ_i Σ_j (M[i+1][j] − M[i][j]), i, j in 0..<R. Negative
    /// means forgetting.
    public var backwardTransfer: Double {
        let r = rounds
        var total = 0.0
        for i in 0..<r { for j in 0..<r { total += values[i + 1][j] - values[i][j] } }
        return total / Double(r * r)
    }

    /// Forward transfer: (1/R) Σ_i (M[i][i] − M[0][i]) over the rounds i = 1…R (column
    /// i − 1): what learning round i brings to its own test set over the model before round 1.
    public var forwardTransfer: Double {
        let r = rounds
        var total = 0.0
        for i in 1...r { total += values[i][i - 1] - values[0][i - 1] }
        return total / Double(r)
    }
}

/// Formulas that are not about the matrix.
public enum LifelongMetrics {
    /// Mean of per-task accuracies (each task counts once, whatever its size).
    /// - Returns: 0 for no tasks.
    public static func taskAverageAccuracy(_ perTask: [String: Double]) -> Double {
        perTask.isEmpty ? 0 : perTask.values.reduce(0, +) / Double(perTask.count)
    }

    /// Samples uploaded from edge to cloud ÷ samples inferred: the share of edge data that
    /// left the edge (lower is better for data security).
    /// - Returns: 0 when nothing was inferred.
    public static func samplesTransferRatio(uploaded: Int, inferred: Int) -> Double {
        inferred == 0 ? 0 : Double(uploaded) / Double(inferred)
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
