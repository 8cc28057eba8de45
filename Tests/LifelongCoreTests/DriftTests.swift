@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("a known task whose function drifted: its earlier rows are retired")
struct DriftTests {
    /// Rows of tasks "a" and "b" (attribute `site`) with binary labels `x > threshold`.
    static func rows(_ tasks: [(name: String, threshold: Float, count: Int)], seed: UInt64) throws -> LabelledSet {
        var sets: [LabelledSet] = []
        for (offset, task) in tasks.enumerated() {
            let table = try TaskStartTests.table(threshold: task.threshold, rows: task.count, seed: seed &+ UInt64(offset))
            sets.append(
                try LabelledSet(table: table, attributeNames: ["site"], attributes: Array(repeating: [task.name], count: task.count)))
        }
        return try sets.dropFirst().reduce(sets[0]) { try $0.appending($1) }
    }

    static var configuration: LifelongConfiguration {
        var configuration = LifelongConfiguration()
        configuration.tunesPrior = false
        return configuration
    }

    @Test("rows of a changed function retire the task's earlier rows; the task then answers by its new function")
    func driftRetiresEarlierRows() throws {
        var learner = try LifelongLearner(configuration: Self.configuration)
        try learner.update(with: Self.rows([("a", -0.5, 300), ("b", 0.5, 300)], seed: 1))
        // Task "a" now follows the opposite side of the old boundary's neighbourhood: threshold 0.3.
        let report = try learner.update(with: Self.rows([("a", 0.3, 90)], seed: 7))
        #expect(report.retrained == ["a"])
        #expect(report.outdatedRows["a"] == 300)
        #expect(learner.trainingRows(of: "a")!.rowCount + (learner.heldOutRows(of: "a")?.rowCount ?? 0) == 90)
        // Every row learned stays with the baselines: the retired ones after the prior's.
        let learned = try #require(try learner.learnedRows())
        #expect(learned.rowCount == 90 + 300 + 300)
        #expect(learned.attributes.prefix(90).allSatisfy { $0 == ["a"] } && learned.attributes.suffix(300).allSatisfy { $0 == ["a"] })
        // Between the old and the new threshold the new function says class 0.
        let test = try Self.rows([("a", 0.3, 400)], seed: 11)
        #expect(try learner.index!.accuracy(on: test) > 0.9)
    }

    @Test("the rows learned, in the prior's order: a baseline searching them draws the prior's folds (common random numbers)")
    func learnedRowsInThePriorsOrder() throws {
        var configuration = Self.configuration
        configuration.tunesPrior = true
        var learner = try LifelongLearner(configuration: configuration)
        try learner.update(with: Self.rows([("b", 0.5, 150), ("a", -0.5, 150)], seed: 1))
        let report = try learner.update(with: Self.rows([("c", 0.0, 60)], seed: 3))
        let rows = try #require(try learner.learnedRows())
        #expect(rows.rowCount == 360)
        #expect(rows.attributes.map { $0[0] } == rows.attributes.map { $0[0] }.sorted(), "tasks in name order")
        let categories = TaskPriorTrainer.categories(attributeNames: rows.attributeNames, taskAttributes: rows.attributes)
        let table = TaskPriorTrainer.priorTable(rows, attributeNames: rows.attributeNames, categories: categories)
        let search = GridSearch.ofPriorTable(base: configuration.model, seed: configuration.seed, attributeNames: rows.attributeNames)
        #expect(try search.best(for: table) == report.priorParameters)
        #expect(learner.searchedPriorParameters.count == configuration.bagSize)
        #expect(learner.searchedPriorParameters.first == report.priorParameters)
    }

    @Test("an experiment's tuned baselines take the prior's search on the same rows: the answers of searching again")
    func tunedBaselinesReuseThePriorsSearch() throws {
        var configuration = Self.configuration
        configuration.tunesPrior = true
        let methods: [LifelongExperiment.Method] = [.lifelong, .globalWithAttributesTuned, .globalWithAttributesTunedBag]
        let test = try Self.rows([("a", -0.5, 100), ("b", 0.5, 100), ("c", 0.0, 100)], seed: 5)
        let result = try LifelongExperiment(configuration: configuration, methods: methods).run(
            initial: Self.rows([("b", 0.5, 150), ("a", -0.5, 150)], seed: 1),
            rounds: [LifelongExperiment.Round(train: Self.rows([("c", 0.0, 60)], seed: 3), test: test)])
        let searchedAgain = try LifelongExperiment(configuration: configuration, methods: methods).finalClasses(
            of: methods, seen: try #require(result.learnedRows), index: try #require(result.indexes.last), test: test)
        for (method, answers) in zip(result.methods, searchedAgain) {
            #expect(zip(answers, test.table.classLabels).map { $0 == $1 } == method.finalCorrect, "\(method.name)")
        }
    }

    @Test("more rows of the same function keep the earlier rows")
    func sameFunctionKeepsRows() throws {
        var learner = try LifelongLearner(configuration: Self.configuration)
        try learner.update(with: Self.rows([("a", -0.5, 300), ("b", 0.5, 300)], seed: 1))
        let report = try learner.update(with: Self.rows([("a", -0.5, 90)], seed: 7))
        #expect(report.retrained == ["a"])
        #expect(report.outdatedRows.isEmpty)
        #expect(learner.trainingRows(of: "a")!.rowCount + (learner.heldOutRows(of: "a")?.rowCount ?? 0) == 390)
    }
}
