@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("a task's start: its own prior or a better-fitting neighbour's")
struct TaskStartTests {
    /// Two numeric features; the class is 1 above `x > threshold` (binary).
    static func table(threshold: Float, rows: Int, seed: UInt64) throws -> Table {
        var generator = SeededGenerator(seed: seed)
        var columns: [[Float]] = [[], []]
        var labels: [Float] = []
        for _ in 0..<rows {
            let x = Float.random(in: -1...1, using: &generator)
            columns[0].append(x)
            columns[1].append(Float.random(in: -1...1, using: &generator))
            labels.append(x > threshold ? 1 : 0)
        }
        return try Table(
            encoding: .numeric(featureCount: 2, label: .classification(classes: CategoricalEncoding(sortingDistinct: ["a", "b"]))),
            columns: columns, labels: labels)
    }

    static func model(threshold: Float, seed: UInt64) throws -> GradientBoostedTrees {
        var parameters = GradientBoostingParameters()
        parameters.rounds = 20
        parameters.maxDepth = 2
        return try GradientBoostedTrees.train(on: table(threshold: threshold, rows: 400, seed: seed), parameters: parameters)
    }

    @Test("the candidate with the lowest log loss on the task's rows is chosen; a tie keeps the first (own) prior")
    func lowestLossWins() throws {
        let rows = try Self.table(threshold: 0.5, rows: 60, seed: 3)
        let own = try Self.model(threshold: -0.5, seed: 1)
        let neighbour = try Self.model(threshold: 0.5, seed: 2)
        func margins(_ model: GradientBoostedTrees) throws -> [[Float]] {
            try (0..<rows.rowCount).map { try model.rawScores(rows.features(ofRow: $0)) }
        }
        let labels = rows.classLabels
        #expect(TaskPriorTrainer.bestStart([try margins(own), try margins(neighbour)], labels: labels) == 1)
        #expect(TaskPriorTrainer.bestStart([try margins(neighbour), try margins(own)], labels: labels) == 0)
        #expect(TaskPriorTrainer.bestStart([try margins(neighbour), try margins(neighbour)], labels: labels) == 0)
    }

    @Test("a new task whose rows follow a known task's function starts from the mean of its own and that task's specialization")
    func neighbourStart() throws {
        // Two known tasks with 300 rows each, thresholds -0.5 ("a") and 0.5 ("b"); a new task
        // "c" with 30 rows of b's function. Its own category has too few rows to move the prior.
        var sets: [LabelledSet] = []
        for (name, threshold, count, seed) in [("a", Float(-0.5), 300, UInt64(1)), ("b", 0.5, 300, 2), ("c", 0.5, 30, 3)] {
            let table = try Self.table(threshold: threshold, rows: count, seed: seed)
            sets.append(try LabelledSet(table: table, attributeNames: ["site"], attributes: Array(repeating: [name], count: count)))
        }
        let all = try sets[1...].reduce(sets[0]) { try $0.appending($1) }
        var configuration = LifelongConfiguration()
        configuration.tunesPrior = false
        let training = RoundTraining(configuration: configuration)
        let categories = RoundTraining.categories(attributeNames: ["site"], taskAttributes: [["a"], ["b"], ["c"]])
        let prior = try #require(try training.prior(rows: all, categories: categories))
        let start = try training.start(rows: 600..<630, attributes: ["c"], neighbours: [["a"], ["b"]], prior: prior, categories: categories)
        #expect(start.attributes == ["b"])
        #expect(start.margins.count == 30)
        // Without neighbours the task's own values; a known task keeps its own.
        let own = try training.start(rows: 600..<630, attributes: ["c"], neighbours: [], prior: prior, categories: categories)
        #expect(own.attributes == ["c"])
        // The borrowed start hedges: its scores are the mean of the task's own and b's.
        let borrowed = try training.start(rows: 600..<630, attributes: ["b"], neighbours: [], prior: prior, categories: categories)
        #expect(start.margins == zip(own.margins, borrowed.margins).map { zip($0, $1).map { ($0 + $1) / 2 } })
        #expect(start.margins != borrowed.margins)
        #expect(try training.start(rows: 0..<300, attributes: ["a"], neighbours: [["b"]], prior: prior, categories: categories).attributes == ["a"])
        // The task model is the prior specialized to the start plus its correction: it answers c's function.
        let (model, _) = try training.taskModel(
            "c", start: start, attributes: ["c"], rows: sets[2], prior: prior.model, categories: categories)
        guard case .gradientBoostedTrees(let trees) = model.model else { Issue.record("not a tree ensemble"); return }
        let probe = try Self.table(threshold: 0.5, rows: 200, seed: 4)
        let correct = try (0..<probe.rowCount).filter { try trees.predictClass(probe.features(ofRow: $0)) == probe.classLabels[$0] }.count
        #expect(correct >= 180, "\(correct) of 200")
        // Without a correction the model is the mean of the two specializations, row by row.
        func uncorrected(_ start: RoundTraining.Start, _ attributes: [String]) throws -> GradientBoostedTrees {
            var start = start
            start.correctionScale = 0
            let (model, rounds) = try training.taskModel(
                "c", start: start, attributes: attributes, rows: sets[2], prior: prior.model, categories: categories)
            #expect(rounds == 0)
            guard case .gradientBoostedTrees(let trees) = model.model else { throw LifelongError(.learning, "not a tree ensemble") }
            return trees
        }
        let hedged = try uncorrected(start, ["c"])
        let ownModel = try uncorrected(own, ["c"])
        let neighbourModel = try uncorrected(borrowed, ["b"])
        for row in 0..<probe.rowCount {
            let features = probe.features(ofRow: row)
            let expected = zip(try ownModel.rawScores(features), try neighbourModel.rawScores(features)).map { ($0 + $1) / 2 }
            for (score, mean) in zip(try hedged.rawScores(features), expected) { #expect(abs(score - mean) < 1e-5) }
        }
    }

    @Test("mean log loss: softmax for several scores, the logistic loss for one, hand-computed")
    func logLoss() {
        // ln(1 + e^0) = ln 2 for a zero logit; softmax of equal scores over 3 classes: ln 3.
        #expect(abs(TaskPriorTrainer.meanLogLoss(margins: [[0]], labels: [1]) - 0.693_147) < 1e-5)
        #expect(abs(TaskPriorTrainer.meanLogLoss(margins: [[1, 1, 1]], labels: [2]) - 1.098_612) < 1e-5)
        // Logit 2 for the positive class: ln(1 + e^-2); for the negative: ln(1 + e^2).
        #expect(abs(TaskPriorTrainer.meanLogLoss(margins: [[2], [2]], labels: [1, 0]) - (0.126_928 + 2.126_928) / 2) < 1e-5)
    }

    @Test("cross-fitted priors: each row is scored by the prior trained without its fold")
    func crossFitted() throws {
        let table = try Self.table(threshold: 0, rows: 90, seed: 5)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 5
        let trainer = TaskPriorTrainer(parameters: parameters, folds: 3, minCorrectionRows: 10)
        let fitted = try trainer.crossFittedPriors(table, parameters: parameters, seed: 7)
        #expect(fitted.priors.count == 3)
        #expect(Set(fitted.foldOfRow) == [0, 1, 2])
        let margins = try #require(try fitted.margins(of: table, rows: 10..<20) { $1 })
        for (offset, row) in (10..<20).enumerated() {
            let prior = try #require(fitted.priors[fitted.foldOfRow[row]])
            #expect(margins[offset] == (try prior.rawScores(table.features(ofRow: row))))
        }
        // A transform applies per fold (here: another fold's prior), once per fold.
        var calls = 0
        _ = try fitted.margins(of: table, rows: 0..<90) { fold, prior in
            calls += 1
            return prior
        }
        #expect(calls == 3)
    }
}

extension GradientBoostedTrees {
    /// Whether both models give equal raw scores on every row of `table`.
    func rawScoresEqual(_ other: GradientBoostedTrees, on table: Table) -> Bool {
        (0..<table.rowCount).allSatisfy { row in
            (try? rawScores(table.features(ofRow: row))) == (try? other.rawScores(table.features(ofRow: row)))
        }
    }
}
