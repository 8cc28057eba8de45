/// Error measures of a regression model on labelled rows.
public struct RegressionMetrics: Sendable, Hashable {
    /// Root mean squared error.
    public let rmse: Double
    /// Mean absolute error.
    public let mae: Double
    /// Coefficient of determination, 1 − SS_res / SS_tot. When every target is equal
    /// (SS_tot = 0) it is 1 for a perfect prediction and 0 otherwise.
    public let r2: Double

    /// Computes the metrics.
    /// - Throws: `LearningError` `.shapeMismatch` for different lengths or no rows,
    ///   `.invalidValue` for a non-finite target or prediction, naming the row.
    public init(targets: [Float], predictions: [Float]) throws {
        guard targets.count == predictions.count else {
            throw LearningError(.shapeMismatch, "\(targets.count) targets but \(predictions.count) predictions")
        }
        guard !targets.isEmpty else { throw LearningError(.shapeMismatch, "no rows to evaluate") }
        var mean = 0.0
        for (row, (target, prediction)) in zip(targets, predictions).enumerated() {
            guard target.isFinite, prediction.isFinite else {
                throw LearningError(
                    .invalidValue, "row \(row): target \(target), prediction \(prediction) must be finite", line: row + 1)
            }
            mean += Double(target)
        }
        mean /= Double(targets.count)
        var squared = 0.0, absolute = 0.0, total = 0.0
        for (target, prediction) in zip(targets, predictions) {
            let error = Double(prediction) - Double(target)
            squared += error * error
            absolute += abs(error)
            total += (Double(target) - mean) * (Double(target) - mean)
        }
        rmse = (squared / Double(targets.count)).squareRoot()
        mae = absolute / Double(targets.count)
        r2 = total == 0 ? (squared == 0 ? 1 : 0) : 1 - squared / total
    }
}
