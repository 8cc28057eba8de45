import Glibc
import FoundationEssentials
import LifelongCore
import LifelongProto

extension TaskIndexPredictor.Prediction {
    /// How well the sample fits the task it was allocated to: 1 while the distribution score
    /// d (distance ÷ the nearest task's calibrated 95 % distance) is ≤ 1, e^(1 − d) beyond,
    /// 0 when no task was allocated (unknown attributes).
    var allocationConfidence: Double {
        guard task != nil else { return 0 }
        guard distributionScore.isFinite else { return 1 }
        return min(1, exp(1 - distributionScore))
    }

    /// The detector scores the prediction has, in `UnseenTaskDetector.Kind.allCases` order.
    var scores: [(kind: UnseenTaskDetector.Kind, score: Double)] {
        UnseenTaskDetector.Kind.allCases.compactMap { kind in
            switch kind {
            case .attributes: attributesScore.map { (kind, $0) }
            case .confidence: (kind, confidenceScore)
            case .distribution: (kind, distributionScore)
            }
        }
    }

    /// The names of the detectors that flagged the sample, comma-separated.
    var flaggedNames: String { flagged.kinds.map(\.rawValue).joined(separator: ",") }
}

extension EdgeInferenceEngine.Answer {
    /// Sample `i`'s prediction as the EdgeInference contract sends it.
    func message(of i: Int) -> Lifelong_V1_Prediction {
        let prediction = predictions[i]
        var message = Lifelong_V1_Prediction()
        message.key = keys[i]
        message.taskName = taskName(of: i) ?? ""
        message.classIndex = Int32(prediction.predictedClass)
        message.probabilities = probabilities(of: i).map(Double.init)
        message.unseen = prediction.unseen
        message.scores = prediction.scores.map { kind, score in
            var detector = Lifelong_V1_DetectorScore()
            detector.kind = kind.message
            detector.score = score
            detector.flagged = prediction.flagged.contains(.init(kind))
            return detector
        }
        message.fallback = prediction.blended
        message.snapshotVersion = snapshot.version
        message.allocationConfidence = prediction.allocationConfidence
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
