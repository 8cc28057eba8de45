import Foundation
import LifelongCore
import LifelongProto

extension TaskPrediction {
    /// How well the sample fits the task it was allocated to: 1 while the distribution score
    /// d (distance ÷ the nearest task's calibrated 95 % distance) is ≤ 1, e^(1 − d) beyond,
    /// 0 when no task was allocated (unknown attributes).
    var allocationConfidence: Double {
        guard task != nil else { return 0 }
        guard let distance = scores[.distribution], distance.isFinite else { return 1 }
        return min(1, exp(1 - distance))
    }

    /// The prediction as the EdgeInference contract sends it.
    func message(key: String, snapshotVersion: Int64) -> Lifelong_V1_Prediction {
        var message = Lifelong_V1_Prediction()
        message.key = key
        message.taskName = task ?? ""
        message.classIndex = Int32(predictedClass)
        message.probabilities = probabilities.map(Double.init)
        message.unseen = unseen
        message.scores = UnseenTaskDetector.Kind.allCases.compactMap { kind in
            guard let score = scores[kind] else { return nil }
            var detector = Lifelong_V1_DetectorScore()
            detector.kind = kind.message
            detector.score = score
            detector.flagged = flaggedBy.contains(kind)
            return detector
        }
        message.fallback = blended
        message.snapshotVersion = snapshotVersion
        message.allocationConfidence = allocationConfidence
        return message
    }
}

extension UnseenTaskDetector.Kind {
    /// The contract's name of the detector.
    var message: Lifelong_V1_DetectorKind {
        switch self {
        case .attributes: .attributes
        case .confidence: .confidence
        case .distribution: .distribution
        }
    }
}
