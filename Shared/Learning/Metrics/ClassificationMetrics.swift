import Glibc
import FoundationEssentials

/// Accuracy, precision, recall and F1 (per class, macro- and micro-averaged), log loss and
/// the confusion matrix of a classifier on labelled rows.
///
/// Precision of a class never predicted, and recall of a class absent from the labels, are 0
/// (and so is its F1); macro averages take every class of `classCount`.
public struct ClassificationMetrics: Sendable, Hashable {
    /// Share of rows predicted correctly.
    public let accuracy: Double
    /// Per class: TP / (TP + FP).
    public let precision: [Double]
    /// Per class: TP / (TP + FN).
    public let recall: [Double]
    /// Per class: harmonic mean of precision and recall.
    public let f1: [Double]
    /// Unweighted mean of the per-class precisions.
    public let macroPrecision: Double
    /// Unweighted mean of the per-class recalls.
    public let macroRecall: Double
    /// Unweighted mean of the per-class F1 scores.
    public let macroF1: Double
    /// Precision from pooled counts (equals accuracy for single-label classification).
    public let microPrecision: Double
    /// Recall from pooled counts (equals accuracy for single-label classification).
    public let microRecall: Double
    /// F1 from pooled counts.
    public let microF1: Double
    /// Mean negative log-probability of the true class (probabilities clipped to [1e-15, 1]);
    /// nil when only hard predictions were given.
    public let logLoss: Double?
    /// The confusion matrix.
    public let confusion: ConfusionMatrix

    /// Metrics of hard predictions.
    /// - Throws: As `ConfusionMatrix.init`.
    public init(labels: [Int], predicted: [Int], classCount: Int) throws {
        try self.init(confusion: ConfusionMatrix(labels: labels, predicted: predicted, classCount: classCount), logLoss: nil)
    }

    /// Metrics of class probabilities (`probabilities[row * classCount + class]`); the
    /// predicted class is the most probable one (the lowest index on ties).
    /// - Throws: As `ConfusionMatrix.init`, and `.shapeMismatch` when the probabilities are
    ///   not rows × classes, `.invalidValue` for a probability that is NaN or outside [0, 1].
    public init(labels: [Int], probabilities: [Float], classCount: Int) throws {
        guard classCount >= 1, probabilities.count == labels.count * classCount else {
            throw LearningError(
                .shapeMismatch, "\(probabilities.count) probabilities are not \(labels.count) rows × \(classCount) classes")
        }
        var predicted = [Int](repeating: 0, count: labels.count)
        var loss = 0.0
        for row in labels.indices {
            var best = 0
            for k in 0..<classCount {
                let p = probabilities[row * classCount + k]
                guard p >= 0 && p <= 1 else {
                    throw LearningError(.invalidValue, "row \(row): probability \(p) outside [0, 1]", line: row + 1)
                }
                if p > probabilities[row * classCount + best] { best = k }
            }
            predicted[row] = best
            if (0..<classCount).contains(labels[row]) {
                loss -= Glibc.log(max(Double(probabilities[row * classCount + labels[row]]), 1e-15))
            }
        }
        let confusion = try ConfusionMatrix(labels: labels, predicted: predicted, classCount: classCount)
        try self.init(confusion: confusion, logLoss: loss / Double(labels.count))
    }

    /// Metrics from a confusion matrix.
    public init(confusion: ConfusionMatrix, logLoss: Double? = nil) throws {
        let k = confusion.classCount
        var precision = [Double](repeating: 0, count: k)
        var recall = [Double](repeating: 0, count: k)
        var f1 = [Double](repeating: 0, count: k)
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        for c in 0..<k {
            let tp = confusion[c, c]
            let predictedAsC = (0..<k).reduce(0) { $0 + confusion[$1, c] }
            let actuallyC = (0..<k).reduce(0) { $0 + confusion[c, $1] }
            precision[c] = predictedAsC == 0 ? 0 : Double(tp) / Double(predictedAsC)
            recall[c] = actuallyC == 0 ? 0 : Double(tp) / Double(actuallyC)
            f1[c] = precision[c] + recall[c] == 0 ? 0 : 2 * precision[c] * recall[c] / (precision[c] + recall[c])
            truePositives += tp
            falsePositives += predictedAsC - tp
            falseNegatives += actuallyC - tp
        }
        let total = Double(confusion.total)
        accuracy = Double(truePositives) / total
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        macroPrecision = precision.reduce(0, +) / Double(k)
        macroRecall = recall.reduce(0, +) / Double(k)
        macroF1 = f1.reduce(0, +) / Double(k)
        microPrecision = Double(truePositives) / Double(truePositives + falsePositives)
        microRecall = Double(truePositives) / Double(truePositives + falseNegatives)
        microF1 = microPrecision + microRecall == 0 ? 0 : 2 * microPrecision * microRecall / (microPrecision + microRecall)
        self.logLoss = logLoss
        self.confusion = confusion
    }
}
