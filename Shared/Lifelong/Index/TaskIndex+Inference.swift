import LifelongLearning

/// The answer for one sample.
public struct TaskPrediction: Sendable, Hashable {
    /// Class probabilities.
    public var probabilities: [Float]
    /// The most probable class.
    public var predictedClass: Int
    /// The task the sample was allocated to; nil when its attributes are unknown.
    public var task: String?
    /// Whether any enabled detector flagged the sample as belonging to no known task.
    public var unseen: Bool
    /// The detectors that flagged it.
    public var flaggedBy: [UnseenTaskDetector.Kind]
    /// Detector scores.
    public var scores: [UnseenTaskDetector.Kind: Double]
    /// Whether the answer blends several models (uncertain or unseen task).
    public var blended: Bool
}

extension TaskIndex {
    /// Predicts one sample: allocation (attributes or clusters), then the task's model, or a
    /// weighted blend of related models when the task has no model or is unknown.
    ///
    /// - A known task with a model of its own is answered by that model alone, whatever the
    ///   detectors say (they flag the sample; its answer does not depend on other tasks'
    ///   models, so it stays the same while only other tasks are learned).
    /// - A task without a model of its own is answered by its fallbacks and the global model.
    /// - An unknown attribute combination is answered by the global model (weight 1) blended
    ///   with the models of the nearest tasks by data distance (weights exp(−distance/2)).
    ///
    /// Each call lays the index out anew (`TaskIndexPredictor`); to predict many samples, or
    /// without allocating, keep a `predictor()`.
    /// - Parameters:
    ///   - features: `encoding.featureCount` values (NaN = missing).
    ///   - attributes: Attribute values in `attributeNames` order (ignored for cluster tasks).
    /// - Throws: `LifelongError.featureCountMismatch` for a wrong feature or attribute count;
    ///   `.missingModel` when the index has no model to answer with.
    public func predict(features: [Float], attributes: [String] = []) throws -> TaskPrediction {
        try predictor().predict(features: features, attributes: attributes)
    }

    /// The index laid out for serving (see `TaskIndexPredictor`).
    /// - Throws: As `TaskIndexPredictor.init(_:)`.
    public func predictor() throws -> TaskIndexPredictor { try TaskIndexPredictor(self) }

    /// Predicts every row of a set (attributes taken from the set when it has the index's
    /// attribute columns).
    /// - Throws: As `predict(features:attributes:)`, and `.schemaMismatch` when the set's
    ///   features differ from the index's.
    public func predict(_ data: LabelledSet) throws -> [TaskPrediction] {
        guard data.table.encoding.features.map(\.name) == encoding.features.map(\.name) else {
            throw LifelongError(.schemaMismatch, "the data's feature columns differ from the index's", field: "features")
        }
        let useAttributes = data.attributeNames == attributeNames
        let predictor = try predictor()
        return try (0..<data.rowCount).map { row in
            try predictor.predict(features: data.table.features(ofRow: row), attributes: useAttributes ? data.attributes[row] : [])
        }
    }

    /// Accuracy of the index's predictions on labelled rows.
    public func accuracy(on data: LabelledSet) throws -> Double {
        guard data.rowCount > 0 else { return 0 }
        return Double(try correctness(on: data).filter { $0 }.count) / Double(data.rowCount)
    }

    /// Per row of `data`, whether the index's answer is its label (what a paired comparison
    /// of two indexes on the same rows needs; `LifelongMetrics`).
    public func correctness(on data: LabelledSet) throws -> [Bool] {
        guard data.rowCount > 0 else { return [] }
        return zip(try predict(data), data.table.labels).map { $0.0.predictedClass == Int($0.1) }
    }

    /// Measures each detector on rows of known tasks (`known`) and rows of tasks the index
    /// has never seen (`unseen`).
    public func detectionQuality(known: LabelledSet, unseen: LabelledSet) throws -> [UnseenTaskDetector.Kind: DetectionQuality] {
        var result: [UnseenTaskDetector.Kind: DetectionQuality] = [:]
        for (data, isUnseen) in [(known, false), (unseen, true)] {
            for prediction in try predict(data) {
                for detector in detectors where detector.enabled {
                    result[detector.kind, default: DetectionQuality()].record(
                        flagged: prediction.flaggedBy.contains(detector.kind), unseen: isUnseen)
                }
            }
        }
        return result
    }
}
