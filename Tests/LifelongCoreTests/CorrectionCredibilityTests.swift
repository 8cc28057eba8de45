@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("the credibility of a round's corrections: one shrinkage chosen on every task's held-out rows")
struct CorrectionCredibilityTests {
    /// A task of `count` rows whose start scores every row 0 (binary logits), whose held-out
    /// correction adds `change` to every row, trained on `trainedRows` rows, and whose labels
    /// are 1 for the first `positives` rows.
    static func task(count: Int, positives: Int, change: Float, trainedRows: Int) -> TaskPriorTrainer.HeldOutCorrection {
        TaskPriorTrainer.HeldOutCorrection(
            labels: (0..<count).map { $0 < positives ? 1 : 0 }, margins: [[Float]](repeating: [0], count: count),
            changes: [[Float]](repeating: [change], count: count), trainedRows: [Int](repeating: trainedRows, count: count))
    }

    @Test("the weight rows / (rows + k): 1 at k = 0, 0 at k = infinity, a half where k equals the rows")
    func scale() {
        #expect(TaskPriorTrainer.correctionScale(rows: 30, credibility: 0) == 1)
        #expect(TaskPriorTrainer.correctionScale(rows: 30, credibility: .infinity) == 0)
        #expect(TaskPriorTrainer.correctionScale(rows: 40, credibility: 40) == 0.5)
    }

    @Test("corrections that help on held-out rows are trusted, harmful ones dropped, overshooting ones shrunk")
    func choice() {
        // Every label 1 and a correction of +2: more is always better, k = 0.
        #expect(TaskPriorTrainer.credibility(of: [Self.task(count: 20, positives: 20, change: 2, trainedRows: 20)]) == 0)
        // Every label 0 and a correction of +2: it only hurts, no correction (k = infinity).
        #expect(TaskPriorTrainer.credibility(of: [Self.task(count: 20, positives: 0, change: 2, trainedRows: 20)]).isInfinite)
        // 75 % positives: the best logit is ln 3 = 1.0986; a change of +3 from 20 rows wants a
        // factor 0.366. Candidates k = 20 (factor 0.5, logit 1.5, mean loss 0.5764) and k = 40
        // (factor 1/3, logit 1.0, mean loss 0.5633): k = 40.
        #expect(TaskPriorTrainer.credibility(of: [Self.task(count: 20, positives: 15, change: 3, trainedRows: 20)]) == 40)
        // Each task counts once, whatever its rows: a 200-row task of 50 % positives, which
        // wants no correction, and a 20-row task of positives, which wants all of +2. Full
        // corrections give mean losses 1.1269 + 0.1269 = 1.2539, none 0.6931 + 0.6931 = 1.3863,
        // every other candidate more than 1.2539: k = 0. Weighed by rows, the large task would win.
        let mixed = [
            Self.task(count: 200, positives: 100, change: 2, trainedRows: 200),
            Self.task(count: 20, positives: 20, change: 2, trainedRows: 20),
        ]
        #expect(TaskPriorTrainer.credibility(of: mixed) == 0)
        // No task with a correction: nothing to shrink.
        #expect(TaskPriorTrainer.credibility(of: []) == 0)
    }

    @Test("a held-out correction learns what the start misses, from rows other than the one it scores")
    func heldOut() throws {
        // The start knows nothing (logit 0); the class is 1 above x > 0.5.
        let rows = try TaskStartTests.table(threshold: 0.5, rows: 90, seed: 7)
        let trainer = TaskPriorTrainer(parameters: Self.correctionParameters, folds: 3, minCorrectionRows: 10)
        let zeros = [[Float]](repeating: [0], count: rows.rowCount)
        let held = try #require(try trainer.heldOutCorrection(rows: rows, margins: zeros, seed: 5))
        #expect(held.trainedRows.allSatisfy { $0 == 60 })
        let right = zip(held.changes, rows.classLabels).filter { ($0[0] > 0 ? 1 : 0) == $1 }.count
        #expect(right >= 80, "\(right) of 90 held-out rows on the right side")
        // Too few rows for a correction: none.
        #expect(try trainer.heldOutCorrection(rows: rows.selecting(rows: Array(0..<9)), margins: Array(zeros[0..<9]), seed: 5) == nil)
    }

    @Test("a task model's correction is scaled by its start's factor: prior + factor × correction")
    func scaledTaskModel() throws {
        let rows = try TaskStartTests.table(threshold: 0.5, rows: 90, seed: 8)
        let prior = try TaskStartTests.model(threshold: -0.5, seed: 9)
        let trainer = TaskPriorTrainer(parameters: Self.correctionParameters, folds: 3, minCorrectionRows: 10)
        let (full, rounds) = try trainer.taskModel(prior: prior, rows: rows, scale: 1, seed: 3)
        let (half, halfRounds) = try trainer.taskModel(prior: prior, rows: rows, scale: 0.5, seed: 3)
        let (none, noRounds) = try trainer.taskModel(prior: prior, rows: rows, scale: 0, seed: 3)
        #expect(rounds > 0)
        #expect(halfRounds == rounds)
        #expect(noRounds == 0)
        for row in 0..<rows.rowCount {
            let features = rows.features(ofRow: row)
            let base = try prior.rawScores(features)[0]
            let expected = base + 0.5 * (try full.rawScores(features)[0] - base)
            #expect(abs(try half.rawScores(features)[0] - expected) < 1e-4)
            #expect(try none.rawScores(features) == prior.rawScores(features))
        }
    }

    /// Small corrections: 30 rounds of depth-2 trees (learning rate 0.3, the default).
    static var correctionParameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        (parameters.rounds, parameters.maxDepth) = (30, 2)
        return parameters
    }
}
