import Glibc
@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("a task's level against its start: one shift per class, its penalty chosen on the round's tasks")
struct TaskLevelShiftTests {
    /// A task of `count` rows whose start scores every row `start` (three classes) plus, per
    /// row and class, a normal draw of standard deviation `spread` (rows on both sides of
    /// the class boundaries), and whose labels are drawn from the softmax of each row's start
    /// + `truth`.
    static func task(count: Int, start: [Float] = [0, 0, 0], spread: Double = 0, truth: [Double], seed: UInt64) -> TaskLevelShift.Rows {
        var generator = SeededGenerator(seed: seed)
        var margins: [[Float]] = [], labels: [Int] = []
        for _ in 0..<count {
            let row = start.map { $0 + Float(spread * Self.normal(&generator)) }
            let scores = zip(row, truth).map { Double($0) + $1 }
            let total = scores.map { Glibc.exp($0) }.reduce(0, +)
            var draw = Double.random(in: 0..<1, using: &generator)
            var label = scores.count - 1
            for (index, score) in scores.enumerated() {
                draw -= Glibc.exp(score) / total
                if draw < 0 {
                    label = index
                    break
                }
            }
            margins.append(row)
            labels.append(label)
        }
        return TaskLevelShift.Rows(margins: margins, labels: labels, seed: seed)
    }

    /// A standard normal draw (Box–Muller).
    static func normal(_ generator: inout SeededGenerator) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
        return (-2 * Glibc.log(u)).squareRoot() * Glibc.cos(2 * Double.pi * v)
    }

    @Test("the fitted shift recovers a known level; class 0 stays at zero; a binary logit gets one value")
    func recoversLevel() {
        let rows = Self.task(count: 4000, truth: [0, 0.6, 1.2], seed: 1)
        let shift = TaskLevelShift.shift(margins: rows.margins, labels: rows.labels, penalty: 0.01)
        #expect(shift.count == 3)
        #expect(shift[0] == 0)
        #expect(abs(shift[1] - 0.6) < 0.15 && abs(shift[2] - 1.2) < 0.15, "\(shift)")
        // A stronger penalty pulls the shift toward zero; an infinite one is no shift at all.
        let shrunk = TaskLevelShift.shift(margins: Array(rows.margins[0..<40]), labels: Array(rows.labels[0..<40]), penalty: 30)
        let loose = TaskLevelShift.shift(margins: Array(rows.margins[0..<40]), labels: Array(rows.labels[0..<40]), penalty: 0.3)
        #expect(abs(shrunk[2]) < abs(loose[2]))
        #expect(TaskLevelShift.shift(margins: rows.margins, labels: rows.labels, penalty: .infinity).isEmpty)
        // Binary: 90 % positives from a zero logit want a logit near ln 9 = 2.197.
        let binary = TaskLevelShift.shift(
            margins: [[Float]](repeating: [0], count: 100), labels: (0..<100).map { $0 < 90 ? 1 : 0 }, penalty: 0.01)
        #expect(binary.count == 1 && abs(binary[0] - 2.197) < 0.05, "\(binary)")
    }

    @Test("tasks clearly off their start's level choose a finite penalty; tasks on it, or too few rows, choose none")
    func penaltyChoice() {
        let off = (0..<4).map { number -> TaskLevelShift.Rows in
            let sign: Double = number % 2 == 0 ? 1 : -1
            return Self.task(count: 60, spread: 1, truth: [0, 0.8 * sign, 1.5 * sign], seed: 10 + UInt64(number))
        }
        #expect(TaskLevelShift.penalty(of: off, folds: 3).isFinite)
        // Rows drawn from their start's own probabilities: a shift only fits noise. The starts
        // vary by row, so a small shift does move answers across the class boundaries. The
        // one-standard-error rule lets noise through about one time in six; judged on the
        // rows' 0/1 errors instead of their log losses, it let through most of these seeds.
        let chosen = [UInt64(20), 30, 40, 50, 60, 70, 80, 90].map { seed in
            TaskLevelShift.penalty(of: (0..<4).map { Self.task(count: 60, spread: 1, truth: [0, 0, 0], seed: seed + UInt64($0)) }, folds: 3)
        }
        #expect(chosen.filter(\.isFinite).count <= 2, "\(chosen)")
        // No tasks, or tasks with fewer rows than folds: nothing to shift.
        #expect(TaskLevelShift.penalty(of: [], folds: 3).isInfinite)
        #expect(TaskLevelShift.penalty(of: [Self.task(count: 2, truth: [0, 3, 3], seed: 5)], folds: 3).isInfinite)
    }

    @Test("applying a shift adds it to every row's scores; an empty shift leaves them as they are")
    func apply() {
        #expect(TaskLevelShift.apply([0, 1, -1], to: [[1, 2, 3], [0, 0, 0]]) == [[1, 3, 2], [0, 1, -1]])
        #expect(TaskLevelShift.apply([], to: [[1, 2, 3]]) == [[1, 2, 3]])
    }

    @Test("a shifted model scores every row as the model plus the shift; a wrong width or a non-finite value is refused")
    func shiftedModel() throws {
        let model = try TaskStartTests.model(threshold: 0.2, seed: 3)
        let shifted = try model.shifted(by: [0.75])
        let rows = try TaskStartTests.table(threshold: 0.2, rows: 20, seed: 4)
        for row in 0..<rows.rowCount {
            let features = rows.features(ofRow: row)
            #expect(abs(try shifted.rawScores(features)[0] - (try model.rawScores(features)[0] + 0.75)) < 1e-5)
        }
        #expect(throws: LearningError.self) { try model.shifted(by: [1, 2]) }
        #expect(throws: LearningError.self) { try model.shifted(by: [.nan]) }
    }

    @Test("a round's starts carry the level of a task whose rows sit above its prior's; the task model serves it")
    func roundLevel() throws {
        // Two known sites of one function (class 1 above x > 0) and four new sites of 45 rows
        // each whose threshold sits lower (x > -0.7 or x > -0.6): their rows are class 1 more
        // often than the prior, which knows the new sites only by their few rows, expects.
        var sets: [LabelledSet] = []
        let sites: [(String, Float, Int)] = [
            ("a", 0, 300), ("b", 0, 300), ("c", -0.7, 45), ("d", -0.6, 45), ("e", -0.7, 45), ("f", -0.6, 45),
        ]
        for (index, (name, threshold, count)) in sites.enumerated() {
            let table = try TaskStartTests.table(threshold: threshold, rows: count, seed: 30 + UInt64(index))
            sets.append(try LabelledSet(table: table, attributeNames: ["site"], attributes: Array(repeating: [name], count: count)))
        }
        let all = try sets[1...].reduce(sets[0]) { try $0.appending($1) }
        var configuration = LifelongConfiguration()
        configuration.tunesPrior = false
        // A small prior (5 rounds of depth-2 trees) spends its splits on x, not on the new sites.
        (configuration.model.rounds, configuration.model.maxDepth) = (5, 2)
        let training = RoundTraining(configuration: configuration)
        let categories = RoundTraining.categories(attributeNames: ["site"], taskAttributes: sites.map { [$0.0] })
        let prior = try #require(try training.prior(rows: all, categories: categories))
        let spans = sites.map { RoundTraining.TaskSpan(name: $0.0, attributes: [$0.0], rowCount: $0.2) }
        let starts = try training.starts(of: spans, training: ["c", "d", "e", "f"], prior: prior, categories: categories)
        let start = try #require(starts["c"])
        try #require(start.levelShift.count == 1, "no level chosen")
        #expect(start.levelShift[0] > 0, "\(start.levelShift)")
        #expect(start.shiftedMargins == TaskLevelShift.apply(start.levelShift, to: start.margins))
        // The task model starts from the specialized prior shifted by the level: with its
        // correction scaled to nothing, it scores every row as prior + shift.
        var levelOnly = start
        levelOnly.correctionScale = 0
        let (model, rounds) = try training.taskModel(
            "c", start: levelOnly, attributes: ["c"], rows: sets[2], prior: prior.model, categories: categories)
        #expect(rounds == 0)
        guard case .gradientBoostedTrees(let trees) = model.model else { Issue.record("not a tree ensemble"); return }
        let specialized = try prior.model.specialized(
            fixing: [TaskPriorTrainer.featureName(ofAttribute: "site"): Float(try #require(categories[0].code(of: "c")))],
            to: sets[2].table.encoding)
        for row in 0..<sets[2].rowCount {
            let features = sets[2].table.features(ofRow: row)
            #expect(abs(try trees.rawScores(features)[0] - (try specialized.rawScores(features)[0] + start.levelShift[0])) < 1e-4)
        }
    }
}
