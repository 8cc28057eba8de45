/// The loss a model is trained for; it decides how raw scores become predictions.
public enum ModelObjective: Sendable, Hashable {
    /// Regression with squared error; the score is the prediction.
    case squaredError
    /// Two classes; one score, P(class 1) = sigmoid(score).
    case binaryLogistic
    /// Three or more classes; one score per class, probabilities = softmax(scores).
    case multiclassSoftmax(classCount: Int)

    /// The objective that fits a label kind: regression, binary or multi-class.
    /// - Throws: `LearningError` `.singleClass` for fewer than two classes.
    public static func matching(_ label: LabelKind) throws -> ModelObjective {
        switch label {
        case .regression:
            return .squaredError
        case .classification(let classes):
            switch classes.count {
            case ..<2:
                throw LearningError(
                    .singleClass, "classification needs at least two classes, the encoding has \(classes.count)")
            case 2: return .binaryLogistic
            default: return .multiclassSoftmax(classCount: classes.count)
            }
        }
    }

    /// Raw scores per row: the class count for softmax, otherwise 1.
    public var scoreCount: Int {
        if case .multiclassSoftmax(let classCount) = self { return classCount }
        return 1
    }

    /// Values a prediction has per row: class probabilities for classification (2 for
    /// binary), the predicted value for regression.
    public var outputCount: Int {
        switch self {
        case .squaredError: return 1
        case .binaryLogistic: return 2
        case .multiclassSoftmax(let classCount): return classCount
        }
    }

    /// Whether the objective is a classification.
    public var isClassification: Bool { self != .squaredError }

    /// Turns raw scores into outputs (probabilities or the value), in place.
    /// `scores` has `scoreCount` values; `output` has `outputCount`.
    @inline(__always)
    func transform(scores: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .squaredError:
            output[0] = scores[0]
        case .binaryLogistic:
            let p = 1 / (1 + Glibc.exp(-scores[0]))
            output[0] = 1 - p
            output[1] = p
        case .multiclassSoftmax(let classCount):
            var maximum = scores[0]
            for k in 1..<classCount where scores[k] > maximum { maximum = scores[k] }
            var total: Float = 0
            for k in 0..<classCount {
                let e = Glibc.exp(scores[k] - maximum)
                output[k] = e
                total += e
            }
            let inverse = 1 / total
            for k in 0..<classCount { output[k] *= inverse }
        }
    }
}

import Glibc
import FoundationEssentials
