@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("the round's gate: per-task steps served only when they turn held-out answers right")
struct RoundGateTests {
    /// A binary task of `count` rows whose own start scores every row `score` (a logit) and
    /// whose labels are 1 for the first `positives` rows.
    static func task(count: Int, positives: Int, score: Float, seed: UInt64 = 7) -> RoundGate.Task {
        RoundGate.Task(
            labels: (0..<count).map { $0 < positives ? 1 : 0 }, own: [[Float]](repeating: [score], count: count),
            neighbours: [], correction: nil, seed: seed)
    }

    @Test("a level shift that turns answers right passes")
    func shiftThatTurnsAnswers() {
        // 80 % positives scored -0.5: every answer 0, 80 % wrong. A shift fitted on any two
        // thirds moves the logit above 0: 20 % wrong.
        let tasks = [Self.task(count: 60, positives: 48, score: -0.5), Self.task(count: 60, positives: 48, score: -0.5, seed: 8)]
        #expect(RoundGate.pays(tasks, levelPenalty: 1, credibility: .infinity, folds: 3))
        // The same without a shift (infinite penalty) and without corrections changes nothing.
        #expect(!RoundGate.pays(tasks, levelPenalty: .infinity, credibility: .infinity, folds: 3))
    }

    @Test("a shift that only sharpens the same answers does not pass, though it lowers the log loss")
    func calibrationAlone() {
        // 80 % positives scored +0.1: every answer 1 already. The fitted shift raises the logit
        // towards ln 4: lower log loss, the same answers.
        let tasks = [Self.task(count: 60, positives: 48, score: 0.1)]
        let replayed = RoundGate.replay(tasks[0], levelPenalty: 1, credibility: .infinity, folds: 3)
        let before = TaskPriorTrainer.meanLogLoss(margins: tasks[0].own, labels: tasks[0].labels)
        let after = TaskPriorTrainer.meanLogLoss(margins: replayed, labels: tasks[0].labels)
        #expect(after < before)
        #expect(!RoundGate.pays(tasks, levelPenalty: 1, credibility: .infinity, folds: 3))
    }

    @Test("a correction's held-out change counts at the round's credibility")
    func correction() {
        var task = Self.task(count: 60, positives: 48, score: -0.5)
        task.correction = TaskPriorTrainer.HeldOutCorrection(
            labels: task.labels, margins: task.own, changes: [[Float]](repeating: [1], count: 60),
            trainedRows: [Int](repeating: 40, count: 60))
        // Trusted as trained (k = 0): -0.5 + 1 = +0.5, the answers turn right.
        #expect(RoundGate.pays([task], levelPenalty: .infinity, credibility: 0, folds: 3))
        // Shrunk to 40 / (40 + 160) = 0.2: -0.3, no answer turns.
        #expect(!RoundGate.pays([task], levelPenalty: .infinity, credibility: 160, folds: 3))
    }

    @Test("a neighbour start is chosen within each fold: one that fits every fold is replayed hedged")
    func neighbourReplayed() {
        var task = Self.task(count: 60, positives: 48, score: -0.5)
        task.neighbours = [[[Float]](repeating: [2.5], count: 60)]
        // The neighbour fits every fold better by far: the hedge, mean (-0.5 + 2.5) / 2 = +1.
        let replayed = RoundGate.replay(task, levelPenalty: .infinity, credibility: .infinity, folds: 3)
        #expect(replayed.allSatisfy { $0 == [1] })
        #expect(RoundGate.pays([task], levelPenalty: .infinity, credibility: .infinity, folds: 3))
    }

    @Test("without rows to judge by, the prior alone")
    func noEvidence() {
        #expect(!RoundGate.pays([], levelPenalty: 1, credibility: 0, folds: 3))
        #expect(!RoundGate.pays([Self.task(count: 2, positives: 0, score: 1)], levelPenalty: 1, credibility: 0, folds: 3))
    }
}
