import LifelongCore
import LifelongLearning
import LifelongProto

/// BuildDetectors: the unseen-task detectors that read the data alone, calibrated on the
/// request's held-out rows.
///
/// - **distribution**: each task's own threshold is the 95 % quantile
///   (`UnseenTaskDetector.taskQuantile`) of the mean squared z-scores of its calibration rows
///   against its statistics (a task without calibration rows takes the largest threshold of
///   the others: it flags least); a row's score is the lifelong core's
///   (`TaskIndex.nearestTasks`: min over tasks of z-score ÷ the task's threshold), and the
///   detector's threshold is the `1 − target` quantile of the scores of rows of known tasks.
/// - **attributes** (attribute allocators): score 1 when no route matches, threshold 0.5.
///
/// Precision and recall are measured as the learner does: rows scored normally are the
/// negatives; each task's rows scored by the plan without that task, and rows of no task,
/// are the positives. The confidence detector reads a model's probabilities, so Training,
/// which has the models, calibrates it; it is not built here.
struct DetectorBuilder: Sendable {
    /// Checks a request's target false-positive rate.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the field for a rate outside (0, 1).
    static func checkTarget(_ rate: Double) throws {
        guard rate > 0, rate < 1 else {
            throw TaskMiningError.invalid("target_false_positive_rate", "must be in (0, 1), got \(rate)")
        }
    }

    /// The detectors of the plan calibrated on the rows, each task's distance threshold in
    /// the distribution detector's `distances`.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT when no calibration row belongs to a
    ///   task of the plan.
    func build(_ data: LabelledSet, plan: TaskPlan, targetFalsePositiveRate target: Double) throws
        -> Lifelong_V1_BuildDetectorsResponse
    {
        let rows = try PlanRows(data, plan: plan)
        var calibrated = plan
        try setTaskThresholds(&calibrated, data: data, rows: rows)
        let index = calibrated.index
        var negatives: [(distribution: Double, attributes: Double)] = []
        var positives: [(distribution: Double, attributes: Double)] = []
        for task in index.tasks {
            guard let taskRows = rows.byTask[task.name] else { continue }
            var reduced = index
            reduced.tasks.removeAll { $0.name == task.name }
            // A new allocator, not edited routes: its lookup table is built when it is made.
            reduced.allocator = TaskAllocator(
                kind: index.allocator.kind, attributeNames: index.allocator.attributeNames,
                routes: index.allocator.routes.filter { $0.task != task.name }, standardizer: index.allocator.standardizer,
                centroids: index.allocator.centroids.filter { $0.task != task.name }, featureCount: index.allocator.featureCount)
            for row in taskRows {
                negatives.append(try scores(data, row: row, index: index))
                positives.append(try scores(data, row: row, index: reduced))
            }
        }
        for row in rows.unallocated { positives.append(try scores(data, row: row, index: index)) }

        var detectors: [UnseenTaskDetector] = []
        if index.allocator.kind == .attributes {
            detectors.append(
                measured(
                    UnseenTaskDetector(kind: .attributes, threshold: 0.5, targetFalsePositiveRate: 0),
                    negatives: negatives.map(\.attributes), positives: positives.map(\.attributes)))
        }
        let distances = negatives.map(\.distribution)
        detectors.append(
            measured(
                UnseenTaskDetector(
                    kind: .distribution, threshold: UnseenTaskDetector.quantile(distances, 1 - target),
                    targetFalsePositiveRate: target),
                negatives: distances, positives: positives.map(\.distribution)))
        calibrated.index.detectors = detectors
        var response = Lifelong_V1_BuildDetectorsResponse()
        response.detectors = calibrated.message.detectors
        return response
    }

    /// Sets every task's distance threshold from its calibration rows.
    private func setTaskThresholds(_ plan: inout TaskPlan, data: LabelledSet, rows: PlanRows) throws {
        var thresholds: [String: Double] = [:]
        for task in plan.index.tasks {
            guard let taskRows = rows.byTask[task.name] else { continue }
            let distances = taskRows.map { task.statistics.meanSquaredZ(data.table.features(ofRow: $0)) }
            thresholds[task.name] = max(UnseenTaskDetector.quantile(distances, UnseenTaskDetector.taskQuantile), 1e-6)
        }
        guard let fallback = thresholds.values.max() else {
            throw TaskMiningError.invalid("source", "no calibration sample belongs to a task of the plan (by its allocator)")
        }
        for index in plan.index.tasks.indices {
            plan.index.tasks[index].distanceThreshold = thresholds[plan.index.tasks[index].name] ?? fallback
        }
    }

    /// A row's distribution and attribute scores against an index.
    private func scores(_ data: LabelledSet, row: Int, index: TaskIndex) throws -> (distribution: Double, attributes: Double) {
        let features = data.table.features(ofRow: row)
        let known = try index.allocator.allocate(features: features, attributes: data.attributes[row]) != nil
        return (index.nearestTasks(features, limit: 1).first?.distance ?? .infinity, known ? 0 : 1)
    }

    /// The detector with the precision and recall it reaches on the scores.
    private func measured(_ detector: UnseenTaskDetector, negatives: [Double], positives: [Double]) -> UnseenTaskDetector {
        var quality = DetectionQuality()
        for score in negatives { quality.record(flagged: detector.flags(score), unseen: false) }
        for score in positives { quality.record(flagged: detector.flags(score), unseen: true) }
        var detector = detector
        detector.precision = quality.precision
        detector.recall = quality.recall
        return detector
    }
}
