/// A task's level against its start: one constant per class added to the start's raw scores
/// (calibration in the large, ``ScoreShift``), fitted on the task's rows under a normal prior
/// of variance 1/`penalty`. A shop that sells a little more than its format and region
/// suggest at every price is one number away from its start; trees need many rows to learn a
/// constant that every split shares, and with a few rows they learn mostly noise.
///
/// How far the levels are trusted is one penalty for every task trained in a round, chosen by
/// k-fold validation on all their rows together (``penalty(of:folds:candidates:)``): the
/// empirical-Bayes reading of "tasks differ in level by about this much". Where the prior
/// already has every task's level about right, the validation picks no shift at all. A drifted
/// task whose earlier rows were retired is the plainest case: its new level is one shift
/// away from the prior, which still sees its neighbours' rows.
struct TaskLevelShift {
    /// A task's rows as the level sees them: each row's start scores (out of fold) and label,
    /// and the seed of the task's folds.
    struct Rows: Sendable {
        var margins: [[Float]]
        var labels: [Int]
        var seed: UInt64
    }

    /// The penalties tried, from a tight prior to a loose one (infinity, no shift, is the reference).
    static let penaltyCandidates: [Double] = [100, 30, 10, 3, 1, 0.3]

    /// The shift of every raw score of `margins` that fits `labels` best under the penalty
    /// (empty, no shift, for an infinite penalty or no rows): for one score (a binary model's
    /// logit) the logit's shift; for several, class 0's fixed at zero.
    static func shift(margins: [[Float]], labels: [Int], penalty: Double) -> [Float] {
        let width = margins.first?.count ?? 0
        guard penalty.isFinite, width > 0 else { return [] }
        let fit = ScoreShift(margins: margins, labels: labels, ridge: penalty).parameters.map { Float($0) }
        return width == 1 ? fit : [0] + fit
    }

    /// The penalty of a round's levels: infinity (no shift) unless shifts fitted on each
    /// task's other folds beat the unshifted scores on the rows they did not see — a lower
    /// error rate (or the same with a lower log loss), and a log loss lower by more than one
    /// standard error of the paired per-row
    /// differences, every task's rows pooled (the one-standard-error rule of
    /// ``TaskPriorTrainer/bestStart(_:labels:)``: with a few tasks of a few rows, a shift must
    /// help clearly, not by chance; on the 0/1 errors the rule is weak, a tiny shift that turns
    /// three answers right and none wrong passes it). Among the penalties that do, the lowest
    /// held-out error rate, ties broken by log loss and then by the larger penalty. Each task's
    /// mean counted once, as each task's test rows count alike. The error rate ranks for the
    /// reason ``GridSearch`` gives: a served class is judged by it, and log loss punishes a
    /// shift for the rows whose labels are noise. Tasks with fewer rows than folds are left out.
    static func penalty(of tasks: [Rows], folds: Int, candidates: [Double] = penaltyCandidates) -> Double {
        var unshifted = HeldOut(), shiftedBy = candidates.map { _ in HeldOut() }
        for task in tasks where task.labels.count >= folds {
            var shifted = candidates.map { _ in task.margins }
            for fold in Folds(rowCount: task.labels.count, count: folds, seed: task.seed ^ 0x1E5E_15F7) {
                let kept = fold.kept.map { task.margins[$0] }, keptLabels = fold.kept.map { task.labels[$0] }
                for (index, penalty) in candidates.enumerated() {
                    let shift = Self.shift(margins: kept, labels: keptLabels, penalty: penalty)
                    for row in fold.held { shifted[index][row] = apply(shift, to: [task.margins[row]])[0] }
                }
            }
            unshifted.add(margins: task.margins, labels: task.labels)
            for index in candidates.indices { shiftedBy[index].add(margins: shifted[index], labels: task.labels) }
        }
        var best: Int?
        for index in candidates.indices
        where shiftedBy[index].isBetter(than: unshifted) && TaskPriorTrainer.fitsBetter(shiftedBy[index].rowLosses, than: unshifted.rowLosses)
        {
            if let current = best, !shiftedBy[index].isBetter(than: shiftedBy[current]) { continue }
            best = index
        }
        return best.map { candidates[$0] } ?? .infinity
    }

    /// Held-out scores of one way of shifting, summed over tasks.
    private struct HeldOut {
        /// Sum of the tasks' error rates and of their mean log losses.
        var error = 0.0, loss = 0.0
        /// Every row's log loss, tasks in order.
        var rowLosses: [Double] = []

        mutating func add(margins: [[Float]], labels: [Int]) {
            let losses = TaskPriorTrainer.rowLosses(margins: margins, labels: labels)
            error += TaskPriorTrainer.errorRate(margins: margins, labels: labels)
            loss += losses.reduce(0, +) / Double(max(losses.count, 1))
            rowLosses += losses
        }

        /// A lower error rate, or the same with a lower log loss.
        func isBetter(than other: HeldOut) -> Bool {
            error < other.error - 1e-12 || (error <= other.error + 1e-12 && loss < other.loss - 1e-12)
        }
    }

    /// Raw scores with a shift added to each row's (an empty shift leaves them as they are).
    static func apply(_ shift: [Float], to margins: [[Float]]) -> [[Float]] {
        guard !shift.isEmpty else { return margins }
        return margins.map { zip($0, shift).map { $0 + $1 } }
    }
}
