/// Whether a round's per-task steps turn answers right: the neighbour start, the level shift and
/// the scaled correction, replayed on rows they did not see, against the prior alone (each
/// task's own specialization). Each step is chosen by validation on its own, yet where tasks
/// are alike their gains are mostly calibration — a lower log loss on the same answers — and
/// three choices made on 30-row tasks each let some noise through; together they can cost
/// answers the prior alone gets right. The gate asks the question the served class answers:
/// fewer wrong answers on held-out rows, by more than one standard error of the paired per-row
/// differences (the one-standard-error rule of ``TaskPriorTrainer/bestStart(_:labels:)``, every
/// task's rows pooled). When the steps do not pay, every task of the round is served by the
/// prior specialized to its own attribute values (``RoundTraining/starts(of:training:prior:categories:)``).
///
/// The replay is nested where it is cheap: in each fold, the start (own or hedged towards a
/// neighbour) is chosen on the fold's other rows, the level shift fitted on them under the
/// round's penalty; the correction's change is its held-out change
/// (``TaskPriorTrainer/heldOutCorrection(rows:margins:seed:)``) scaled by the round's credibility.
enum RoundGate {
    /// One task's rows as the gate sees them; every score set out of fold (``TaskPriorTrainer/CrossFittedPriors``).
    struct Task: Sendable {
        /// Each row's class.
        var labels: [Int]
        /// The raw scores of the prior specialized to the task's own attribute values.
        var own: [[Float]]
        /// The same under each neighbour's specialization the task may start from (hedged).
        var neighbours: [[[Float]]]
        /// The correction's held-out changes (nil: the task gets no correction).
        var correction: TaskPriorTrainer.HeldOutCorrection?
        /// Seeds the folds (the task's correction seed).
        var seed: UInt64
    }

    /// Whether the steps beat the prior alone on the tasks' held-out answers (see ``RoundGate``);
    /// false without rows to judge by.
    /// - Parameters:
    ///   - tasks: The round's tasks with enough rows for a correction.
    ///   - levelPenalty: The round's level-shift penalty (infinity: no shift).
    ///   - credibility: The round's credibility constant (infinity: no correction).
    ///   - folds: Folds of the replay.
    static func pays(_ tasks: [Task], levelPenalty: Double, credibility: Double, folds: Int) -> Bool {
        var priorErrors: [Double] = [], stepErrors: [Double] = []
        for task in tasks where task.labels.count >= folds {
            let replayed = replay(task, levelPenalty: levelPenalty, credibility: credibility, folds: folds)
            priorErrors += errors(task.own, labels: task.labels)
            stepErrors += errors(replayed, labels: task.labels)
        }
        return TaskPriorTrainer.fitsBetter(stepErrors, than: priorErrors)
    }

    /// Each row's raw scores under the steps, each from steps chosen without the row.
    static func replay(_ task: Task, levelPenalty: Double, credibility: Double, folds: Int) -> [[Float]] {
        var scores = task.own
        let candidates = [task.own] + task.neighbours
        for fold in Folds(rowCount: task.labels.count, count: folds, seed: task.seed ^ 0x1E5E_15F7) {
            let keptLabels = fold.kept.map { task.labels[$0] }
            let chosen = TaskPriorTrainer.bestStart(candidates.map { set in fold.kept.map { set[$0] } }, labels: keptLabels)
            let start = chosen == 0 ? task.own : RoundTraining.hedged(task.own, towards: candidates[chosen])
            let shift = TaskLevelShift.shift(margins: fold.kept.map { start[$0] }, labels: keptLabels, penalty: levelPenalty)
            for row in fold.held { scores[row] = TaskLevelShift.apply(shift, to: [start[row]])[0] }
        }
        guard let correction = task.correction else { return scores }
        return scores.indices.map { row in
            let factor = TaskPriorTrainer.correctionScale(rows: correction.trainedRows[row], credibility: credibility)
            return zip(scores[row], correction.changes[row]).map { $0 + factor * $1 }
        }
    }

    /// Each row's 0/1 error under raw scores.
    private static func errors(_ margins: [[Float]], labels: [Int]) -> [Double] {
        zip(margins, labels).map { TaskPriorTrainer.errorRate(margins: [$0], labels: [$1]) }
    }
}
