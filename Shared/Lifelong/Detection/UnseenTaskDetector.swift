/// A calibrated unseen-task detector: a score per sample and a threshold above which the
/// sample is flagged as belonging to no known task.
///
/// - `attributes`: score 1 when the sample's attribute combination selects no task, else 0;
///   threshold 0.5 (no calibration needed, no false positives by construction).
/// - `confidence`: score 1 − the maximum class probability of the prediction served.
/// - `distribution`: score min over tasks of (mean squared z-score against the task's rows ÷
///   the task's own threshold).
///
/// Confidence and distribution thresholds are the `1 − targetFalsePositiveRate` quantile of
/// the scores of held-out rows of known tasks. Precision and recall are measured by leaving
/// each task out in turn: its held-out rows, scored against the other tasks, are the unseen
/// positives; every held-out row scored normally is a negative.
public struct UnseenTaskDetector: Sendable, Hashable {
    /// The signal a detector reads.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Unknown attribute combination.
        case attributes
        /// Low maximum class probability.
        case confidence
        /// Far from every task's data.
        case distribution
    }

    /// The signal.
    public var kind: Kind
    /// Scores above it are flagged.
    public var threshold: Double
    /// The false-positive rate it was calibrated to.
    public var targetFalsePositiveRate: Double
    /// Precision measured at calibration (leave-one-task-out).
    public var precision: Double
    /// Recall measured at calibration (leave-one-task-out).
    public var recall: Double
    /// Whether it takes part in detection.
    public var enabled: Bool

    /// Quantile of a task's own rows that sets its per-task distance threshold.
    public static let taskQuantile = 0.95

    /// Creates a detector.
    public init(
        kind: Kind, threshold: Double, targetFalsePositiveRate: Double, precision: Double = 0, recall: Double = 0,
        enabled: Bool = true
    ) {
        self.kind = kind
        self.threshold = threshold
        self.targetFalsePositiveRate = targetFalsePositiveRate
        self.precision = precision
        self.recall = recall
        self.enabled = enabled
    }

    /// Whether a score is flagged.
    public func flags(_ score: Double) -> Bool { enabled && score > threshold }

    /// The `q` quantile (linear interpolation) of values; 0 for none.
    /// - Parameters:
    ///   - values: The values, in any order.
    ///   - q: The quantile, in [0, 1].
    /// - Returns: The interpolated value.
    public static func quantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] * (1 - fraction) + sorted[upper] * fraction
    }
}

/// Precision and recall of flagging, from counts.
public struct DetectionQuality: Sendable, Hashable {
    /// Unseen rows flagged.
    public var truePositives: Int
    /// Known rows flagged.
    public var falsePositives: Int
    /// Unseen rows not flagged.
    public var falseNegatives: Int
    /// Known rows not flagged.
    public var trueNegatives: Int
    /// The detector's scores of unseen rows and of known rows, when recorded with them: the
    /// whole trade-off, not only the calibrated threshold's point.
    public var unseenScores: [Double] = []
    public var knownScores: [Double] = []

    /// Creates counts.
    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0, trueNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        self.trueNegatives = trueNegatives
    }

    /// Counts one decision, and keeps its score when given.
    public mutating func record(flagged: Bool, unseen: Bool, score: Double? = nil) {
        if let score, score.isFinite || score == .infinity {
            if unseen { unseenScores.append(score) } else { knownScores.append(score) }
        }
        switch (flagged, unseen) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, true): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
    }

    /// TP / (TP + FP); 1 when nothing was flagged (no false alarm was raised).
    public var precision: Double {
        truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
    }
    /// TP / (TP + FN); 1 when there were no unseen rows.
    public var recall: Double {
        truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
    }
    /// FP / (FP + TN).
    public var falsePositiveRate: Double {
        falsePositives + trueNegatives == 0 ? 0 : Double(falsePositives) / Double(falsePositives + trueNegatives)
    }

    /// Area under the ROC curve of the recorded scores: the probability that an unseen row
    /// scores above a known one (ties count half); 0.5 is no better than chance. nil without
    /// scores of both kinds.
    public var rocArea: Double? {
        guard !unseenScores.isEmpty, !knownScores.isEmpty else { return nil }
        let known = knownScores.sorted()
        var total = 0.0
        for score in unseenScores {
            let below = Self.countBelow(score, in: known), notAbove = Self.countBelow(score, in: known, orEqual: true)
            total += Double(below) + Double(notAbove - below) / 2
        }
        return total / Double(unseenScores.count * known.count)
    }

    /// The best recall any threshold on the recorded scores reaches with a false-positive
    /// rate at most `rate`, with that threshold's false-positive rate; nil without scores.
    public func bestRecall(atFalsePositiveRate rate: Double) -> (recall: Double, falsePositiveRate: Double)? {
        guard !unseenScores.isEmpty, !knownScores.isEmpty else { return nil }
        let known = knownScores.sorted()
        var best = (recall: 0.0, falsePositiveRate: 0.0)
        for threshold in Set(known + [known.last! + 1]) {
            // Flag scores strictly above the threshold.
            let falsePositives = known.count - Self.countBelow(threshold, in: known, orEqual: true)
            let fpr = Double(falsePositives) / Double(known.count)
            guard fpr <= rate else { continue }
            let recall = Double(unseenScores.filter { $0 > threshold }.count) / Double(unseenScores.count)
            if recall > best.recall { best = (recall, fpr) }
        }
        return best
    }

    /// How many sorted values are below `value` (or not above it).
    private static func countBelow(_ value: Double, in sorted: [Double], orEqual: Bool = false) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value || (orEqual && sorted[middle] == value) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
