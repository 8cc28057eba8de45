@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("grid search of the prior's parameters")
struct GridSearchTests {
    @Test("inner validation picks the depth an interaction needs and more rounds for a slower rate")
    func picksByValidation() throws {
        // The class is x XOR y: depth 1 cannot separate it, depth 2 can.
        var generator = SeededGenerator(seed: 9)
        var columns: [[Float]] = [[], []]
        var labels: [Float] = []
        for _ in 0..<400 {
            let x = Float.random(in: -1...1, using: &generator), y = Float.random(in: -1...1, using: &generator)
            columns[0].append(x)
            columns[1].append(y)
            labels.append((x > 0) != (y > 0) ? 1 : 0)
        }
        let table = try Table(
            encoding: .numeric(featureCount: 2, label: .classification(classes: CategoricalEncoding(sortingDistinct: ["a", "b"]))),
            columns: columns, labels: labels)
        var search = GridSearch(base: GradientBoostingParameters(), seed: 1)
        search.depths = [1, 2]
        search.learningRates = [0.3]
        search.rounds = 5...40
        let best = try search.best(for: table)
        #expect(best.maxDepth == 2)
        #expect(search.rounds.contains(best.rounds))
        // Too few rows to split: the base parameters.
        #expect(try search.best(for: table.selecting(rows: [0, 1, 2])) == GradientBoostingParameters())
    }

    @Test("on a slanted three-class boundary the search puts the trees on a linear base")
    func picksLinearBase() throws {
        // Classes cut from x + y at ±0.5, 10 % of labels redrawn.
        var generator = SeededGenerator(seed: 4)
        var columns: [[Float]] = [[], [], []]
        var labels: [Float] = []
        for _ in 0..<600 {
            let x = Float.random(in: -2...2, using: &generator), y = Float.random(in: -2...2, using: &generator)
            let score = x + y
            var label = score > 0.5 ? 2 : (score < -0.5 ? 0 : 1)
            if Float.random(in: 0..<1, using: &generator) < 0.1 { label = Int.random(in: 0..<3, using: &generator) }
            columns[0].append(x)
            columns[1].append(y)
            columns[2].append(Float.random(in: -1...1, using: &generator))
            labels.append(Float(label))
        }
        let table = try Table(
            encoding: .numeric(
                featureCount: 3, label: .classification(classes: CategoricalEncoding(sortingDistinct: ["a", "b", "c"]))),
            columns: columns, labels: labels)
        var search = GridSearch(base: GradientBoostingParameters(), seed: 2)
        search.depths = [2, 3]
        search.learningRates = [0.1, 0.3]
        search.rounds = 1...60
        let best = try search.best(for: table)
        #expect(best.linearBase)
    }
}
