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
        // Between the old and the new threshold the new function says class 0.
        let test = try Self.rows([("a", 0.3, 400)], seed: 11)
        #expect(try learner.index!.accuracy(on: test) > 0.9)
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
