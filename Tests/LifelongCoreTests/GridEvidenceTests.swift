import Foundation
@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("the prior's grid evidence: summed over updates, reset by a drift")
struct GridEvidenceTests {
    static let search = GridSearch(base: GradientBoostingParameters(), seed: 5)

    static func point(linearBase: Bool = false, depth: Int, errors: [Double], losses: [Double]? = nil) -> GridEvidence.Point {
        GridEvidence.Point(linearBase: linearBase, depth: depth, learningRate: 0.1, errors: errors, losses: losses ?? errors.map { $0 * 2 })
    }

    @Test("each grid point's scores are summed over the rounds both searches reached; a point one search lacks is dropped")
    func adding() {
        let first = GridEvidence(
            points: [Self.point(depth: 2, errors: [0.4, 0.3, 0.2]), Self.point(depth: 3, errors: [0.5]), Self.point(depth: 4, errors: [0.1])],
            searches: 1)
        let second = GridEvidence(points: [Self.point(depth: 3, errors: [0.25, 0.2]), Self.point(depth: 2, errors: [0.3, 0.1])], searches: 2)
        let sum = first.adding(second)
        #expect(sum.searches == 3)
        #expect(sum.points.map(\.depth) == [2, 3], "grid order of the evidence added to; depth 4 is not in the second")
        #expect(sum.points[0].errors == [0.7, 0.4])
        #expect(sum.points[0].losses == [1.4, 0.8])
        #expect(sum.points[1].errors == [0.75])
    }

    @Test("the choice is made on the summed evidence: lowest error, then lowest log loss, rounds included")
    func choiceOnTheSum() {
        // Alone, the newer search prefers depth 3; summed with the earlier one, depth 2 after 2 rounds.
        let earlier = GridEvidence(points: [Self.point(depth: 2, errors: [0.3, 0.20]), Self.point(depth: 3, errors: [0.3, 0.30])], searches: 1)
        let newer = GridEvidence(points: [Self.point(depth: 2, errors: [0.3, 0.26]), Self.point(depth: 3, errors: [0.3, 0.25])], searches: 1)
        let alone = Self.search.best(by: newer)
        #expect(alone.maxDepth == 3 && alone.rounds == 2)
        let summed = Self.search.best(by: earlier.adding(newer))
        #expect(summed.maxDepth == 2 && summed.rounds == 2 && summed.learningRate == 0.1 && !summed.linearBase)
        // Equal errors: the lower log loss decides.
        let tied = GridEvidence(
            points: [Self.point(depth: 2, errors: [0.2], losses: [0.5]), Self.point(linearBase: true, depth: 6, errors: [0.2], losses: [0.4])],
            searches: 1)
        let chosen = Self.search.best(by: tied)
        #expect(chosen.linearBase && chosen.maxDepth == 6 && chosen.rounds == 1)
    }

    @Test("a real search covers the grid and survives its bytes exactly")
    func searchAndBytes() throws {
        let table = try TaskStartTests.table(threshold: 0.2, rows: 200, seed: 9)
        let evidence = try #require(try Self.search.search(table))
        #expect(evidence.searches == 1)
        #expect(evidence.points.count == 2 * 4 * 3)
        #expect(evidence.points.allSatisfy { !$0.errors.isEmpty && $0.errors.count == $0.losses.count && $0.errors.count <= 400 })
        #expect(try Self.search.best(for: table) == Self.search.best(by: evidence))
        let decoded = try JSONDecoder().decode(GridEvidence.self, from: JSONEncoder().encode(evidence))
        #expect(decoded == evidence)
        #expect(try Self.search.search(TaskStartTests.table(threshold: 0.2, rows: 7, seed: 9)) == nil, "too small to split")
    }

    @Test("with slope features the grid has a third model class, per slope penalty; evidence stored without it still reads")
    func slopesModelClass() throws {
        var search = GridSearch.ofPriorTable(base: GradientBoostingParameters(), seed: 5, attributeNames: ["site"])
        #expect(search.slopeFeatures == ["@task:site"])
        search.depths = [2]
        search.learningRates = [0.3]
        search.rounds = 1...20
        let sites = CategoricalEncoding(sortingDistinct: ["a", "b"])
        let base = try TaskStartTests.table(threshold: 0.2, rows: 120, seed: 9)
        let table = try Table(
            encoding: FeatureEncoding(
                features: base.encoding.features + [FeatureColumn(name: "@task:site", kind: .categorical(sites))],
                labelName: base.encoding.labelName, label: base.encoding.label),
            columns: base.columns + [(0..<base.rowCount).map { Float($0 % 2) }], labels: base.labels)
        let evidence = try #require(try search.search(table))
        #expect(evidence.points.map(\.linearBase) == [false, true, true, true, true])
        #expect(evidence.points.map(\.slopeL2Lambda) == [nil, nil, 0.003, 0.01, 0.03])
        // Chosen, the slopes' point names the slope features.
        let slopes = GridEvidence(points: [Self.point(depth: 2, errors: [0.3]), Self.slopesPoint(errors: [0.2])], searches: 1)
        let chosen = search.best(by: slopes)
        #expect(chosen.linearBase && chosen.linearSlopeFeatures == ["@task:site"] && chosen.linearSlopeL2Lambda == 0.03)
        #expect(!search.best(by: GridEvidence(points: [Self.point(linearBase: true, depth: 2, errors: [0.2])], searches: 1))
            .linearSlopeFeatures.contains("@task:site"))
        // A point with slopes and one without are different grid points.
        #expect(slopes.adding(GridEvidence(points: [Self.point(linearBase: true, depth: 2, errors: [0.2])], searches: 1)).points.isEmpty)
        let stored = #"{"points":[{"linearBase":true,"depth":2,"learningRate":0.1,"errors":[0.5],"losses":[1]}],"searches":1}"#
        let decoded = try JSONDecoder().decode(GridEvidence.self, from: Data(stored.utf8))
        #expect(decoded.points.first?.slopeL2Lambda == nil && decoded.points.first?.linearBase == true)
    }

    static func slopesPoint(errors: [Double]) -> GridEvidence.Point {
        GridEvidence.Point(linearBase: true, slopeL2Lambda: 0.03, depth: 2, learningRate: 0.1, errors: errors, losses: errors)
    }

    @Test("the learner adds every update's search to its evidence and starts afresh after a drift")
    func learnerCarriesEvidence() throws {
        var configuration = DriftTests.configuration
        configuration.tunesPrior = true
        var learner = try LifelongLearner(configuration: configuration)
        let first = try learner.update(with: DriftTests.rows([("a", -0.5, 200), ("b", 0.5, 200)], seed: 1))
        #expect(learner.priorEvidence?.searches == 1)
        // The report names the prior the grid chose.
        let chosen = try #require(first.priorParameters)
        let search = GridSearch.ofPriorTable(base: configuration.model, seed: configuration.seed, attributeNames: ["site"])
        #expect(chosen == search.best(by: try #require(learner.priorEvidence)))
        #expect(first.summary.contains("; prior: ") && first.summary.contains("depth \(chosen.maxDepth)"))
        try learner.update(with: DriftTests.rows([("b", 0.5, 60)], seed: 3))
        #expect(learner.priorEvidence?.searches == 2)
        let drifted = try learner.update(with: DriftTests.rows([("a", 0.3, 90)], seed: 7))
        #expect(drifted.outdatedRows["a"] == 200)
        #expect(learner.priorEvidence == nil)
        try learner.update(with: DriftTests.rows([("c", 0, 60)], seed: 5))
        #expect(learner.priorEvidence?.searches == 1)
    }
}
