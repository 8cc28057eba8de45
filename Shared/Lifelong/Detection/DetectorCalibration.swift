/// Calibrates the three unseen-task detectors of an index on held-out rows.
///
/// Negatives are the held-out rows of every task, predicted by the index as it is. Positives
/// come from leaving each task out in turn: an index without the task (its routes, centroid,
/// assignment and statistics removed) predicts the task's held-out rows, which are then from
/// an unseen task. Thresholds are the `1 − targetFalsePositiveRate` quantile of the negatives'
/// scores; precision and recall are counted at that threshold over negatives and positives.
/// (The global model in the reduced index has still seen the left-out task, which makes the
/// confidence detector's recall estimate a little pessimistic.)
struct DetectorCalibration {
    let targetFalsePositiveRate: Double
    let confidenceEnabled: Bool
    let distributionEnabled: Bool

    /// - Parameter outOfFoldConfidence: Per task, confidence scores of its held-out rows from
    ///   models that did not train on them, used as the negatives of the confidence detector
    ///   instead of the index's (whose models may have learned those rows): new rows of a known
    ///   task are scored by a model that has not seen them either.
    func calibrate(
        index: TaskIndex, heldOut: [(task: String, rows: LabelledSet)], outOfFoldConfidence: [String: [Double]] = [:]
    ) throws -> [UnseenTaskDetector] {
        var unarmed = index
        unarmed.detectors = []
        var negatives: [UnseenTaskDetector.Kind: [Double]] = [:]
        var positives: [UnseenTaskDetector.Kind: [Double]] = [:]
        for (task, rows) in heldOut {
            let override = outOfFoldConfidence[task].flatMap { $0.count == rows.rowCount ? $0 : nil }
            for (row, prediction) in try unarmed.predict(rows).enumerated() {
                for (kind, score) in prediction.scores {
                    negatives[kind, default: []].append(kind == .confidence ? override?[row] ?? score : score)
                }
            }
            guard index.tasks.count > 1 else { continue }
            let reduced = try Self.removing(task, from: unarmed)
            for prediction in try reduced.predict(rows) {
                for (kind, score) in prediction.scores { positives[kind, default: []].append(score) }
            }
        }
        var detectors: [UnseenTaskDetector] = []
        if index.allocator.kind == .attributes {
            var detector = UnseenTaskDetector(kind: .attributes, threshold: 0.5, targetFalsePositiveRate: 0)
            measure(&detector, negatives: negatives[.attributes] ?? [], positives: positives[.attributes] ?? [])
            detectors.append(detector)
        }
        for (kind, enabled) in [(UnseenTaskDetector.Kind.confidence, confidenceEnabled), (.distribution, distributionEnabled)] {
            let scores = negatives[kind] ?? []
            // Without held-out rows there is nothing to calibrate on: never flag.
            let threshold = scores.isEmpty ? Double.infinity : UnseenTaskDetector.quantile(scores, 1 - targetFalsePositiveRate)
            var detector = UnseenTaskDetector(
                kind: kind, threshold: threshold, targetFalsePositiveRate: targetFalsePositiveRate, enabled: enabled)
            measure(&detector, negatives: scores, positives: positives[kind] ?? [])
            detectors.append(detector)
        }
        return detectors
    }

    private func measure(_ detector: inout UnseenTaskDetector, negatives: [Double], positives: [Double]) {
        var quality = DetectionQuality()
        for score in negatives { quality.record(flagged: score > detector.threshold, unseen: false) }
        for score in positives { quality.record(flagged: score > detector.threshold, unseen: true) }
        detector.precision = quality.precision
        detector.recall = quality.recall
    }

    /// The index without one task.
    static func removing(_ task: String, from index: TaskIndex) throws -> TaskIndex {
        var reduced = index
        reduced.tasks.removeAll { $0.name == task }
        reduced.assignments.removeAll { $0.task == task }
        reduced.assignments = reduced.assignments.map { assignment in
            var assignment = assignment
            let removedDigest = index.assignment(of: task)?.model
            assignment.fallbacks.removeAll { $0.digest == removedDigest }
            return assignment
        }
        reduced.relations.removeAll { $0.from == task || $0.to == task }
        reduced.allocator = TaskAllocator(
            kind: index.allocator.kind, attributeNames: index.allocator.attributeNames,
            routes: index.allocator.routes.filter { $0.task != task }, standardizer: index.allocator.standardizer,
            centroids: index.allocator.centroids.filter { $0.task != task }, featureCount: index.allocator.featureCount)
        return reduced
    }
}
