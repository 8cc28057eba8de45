import Foundation
@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("the prior's grid search: its evidence and the choice made on it")
struct GridEvidenceTests {
    static let search = GridSearch(base: GradientBoostingParameters(), seed: 5)

    static func point(linearBase: Bool = false, depth: Int, errors: [Double], losses: [Double]? = nil) -> GridEvidence.Point {
        GridEvidence.Point(linearBase: linearBase, depth: depth, learningRate: 0.1, errors: errors, losses: losses ?? errors.map { $0 * 2 })
    }

    @Test("the choice: lowest validation error over every grid point and round count, then lowest log loss")
    func choice() {
        let evidence = GridEvidence(points: [Self.point(depth: 2, errors: [0.3, 0.26]), Self.point(depth: 3, errors: [0.3, 0.25, 0.27])])
        let chosen = Self.search.best(by: evidence)
        #expect(chosen.maxDepth == 3 && chosen.rounds == 2 && chosen.learningRate == 0.1 && !chosen.linearBase)
        // Equal errors: the lower log loss decides.
        let tied = GridEvidence(
            points: [Self.point(depth: 2, errors: [0.2], losses: [0.5]), Self.point(linearBase: true, depth: 6, errors: [0.2], losses: [0.4])])
        let tiedChoice = Self.search.best(by: tied)
        #expect(tiedChoice.linearBase && tiedChoice.maxDepth == 6 && tiedChoice.rounds == 1)
    }

    @Test("a real search covers the grid, and the tuned prior is trained with its choice")
    func searchAndPrior() throws {
        let table = try TaskStartTests.table(threshold: 0.2, rows: 200, seed: 9)
        let evidence = try #require(try Self.search.search(table))
        #expect(evidence.points.count == 2 * 4 * 3)
        #expect(evidence.points.allSatisfy { !$0.errors.isEmpty && $0.errors.count == $0.losses.count && $0.errors.count <= 400 })
        #expect(try Self.search.best(for: table) == Self.search.best(by: evidence))
        #expect(try Self.search.search(TaskStartTests.table(threshold: 0.2, rows: 7, seed: 9)) == nil, "too small to split")

        // The learner's prior at every update: the search on that update's pooled rows alone.
        var configuration = DriftTests.configuration
        configuration.tunesPrior = true
        let rows = try DriftTests.rows([("a", -0.5, 200), ("b", 0.5, 200)], seed: 1)
        let categories = RoundTraining.categories(attributeNames: rows.attributeNames, taskAttributes: [["a"], ["b"]])
        let prior = try #require(try RoundTraining(configuration: configuration).prior(rows: rows, categories: categories))
        let priorSearch = GridSearch.ofPriorTable(base: configuration.model, seed: configuration.seed, attributeNames: rows.attributeNames)
        let priorTable = TaskPriorTrainer.priorTable(rows, attributeNames: rows.attributeNames, categories: categories)
        #expect(prior.parameters == (try priorSearch.best(for: priorTable)))
        // The update report names it.
        var learner = try LifelongLearner(configuration: configuration)
        let report = try learner.update(with: rows)
        let chosen = try #require(report.priorParameters)
        #expect(report.summary.contains("; prior: ") && report.summary.contains("depth \(chosen.maxDepth)"))
    }

    @Test("with slope features the grid has a third model class, per slope penalty")
    func slopesModelClass() throws {
        var search = GridSearch.ofPriorTable(base: GradientBoostingParameters(), seed: 5, attributeNames: ["site"])
        #expect(search.slopeFeatures == ["@task:site"] && search.ignorableFeatures == ["@task:site"])
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
        #expect(evidence.points.map(\.linearBase) == [false, true, true, true, true, false])
        #expect(evidence.points.map(\.slopeL2Lambda) == [nil, nil, 0.003, 0.01, 0.03, nil])
        #expect(evidence.points.map(\.ignoresAttributes) == [false, false, false, false, false, true])
        // Chosen, the slopes' point names the slope features.
        let slopes = GridEvidence(points: [Self.point(depth: 2, errors: [0.3]), Self.slopesPoint(errors: [0.2])])
        let chosen = search.best(by: slopes)
        #expect(chosen.linearBase && chosen.linearSlopeFeatures == ["@task:site"] && chosen.linearSlopeL2Lambda == 0.03)
        #expect(!search.best(by: GridEvidence(points: [Self.point(linearBase: true, depth: 2, errors: [0.2])]))
            .linearSlopeFeatures.contains("@task:site"))
        // Chosen, the attribute-free point's trees ignore the attribute's feature; the others' do not.
        let free = GridEvidence.Point(linearBase: false, ignoresAttributes: true, depth: 2, learningRate: 0.1, errors: [0.1], losses: [0.1])
        let withoutAttributes = search.best(by: GridEvidence(points: [Self.point(depth: 2, errors: [0.2]), free]))
        #expect(withoutAttributes.ignoredFeatures == ["@task:site"] && !withoutAttributes.linearBase)
        #expect(chosen.ignoredFeatures.isEmpty)
        // Trained with it, the model's trees never split on the attribute.
        let model = try GradientBoostedTrees.train(on: table, parameters: withoutAttributes)
        let attribute = Int32(table.encoding.features.count - 1)
        #expect(model.trees.allSatisfy { !$0.splitFeatures.contains(attribute) })
    }

    @Test("where the attribute is noise over many small tasks, the search takes the trees without it")
    func attributeFreeChosen() throws {
        // 60 tasks of 20 rows whose labels follow one feature alone, a fifth of them flipped:
        // splits on the task's feature can only fit the flips.
        var generator = SeededGenerator(seed: 21)
        var x: [Float] = [], labels: [Float] = []
        for _ in 0..<1200 {
            let value = Float.random(in: -1...1, using: &generator)
            x.append(value)
            let flipped = Float.random(in: 0..<1, using: &generator) < 0.2
            labels.append((value > 0.2) != flipped ? 1 : 0)
        }
        let tasks = CategoricalEncoding(sortingDistinct: (0..<60).map { "t\($0)" })
        let table = try Table(
            encoding: FeatureEncoding(
                features: [FeatureColumn(name: "x", kind: .numeric), FeatureColumn(name: "@task:site", kind: .categorical(tasks))],
                labelName: "label", label: .classification(classes: CategoricalEncoding(sortingDistinct: ["a", "b"]))),
            columns: [x, (0..<1200).map { Float($0 % 60) }], labels: labels)
        var search = GridSearch.ofPriorTable(base: GradientBoostingParameters(), seed: 5, attributeNames: ["site"])
        search.linearBases = [false]
        search.rounds = 1...60
        let evidence = try #require(try search.search(table))
        let free = evidence.points.filter(\.ignoresAttributes).map { $0.errors.min()! }.min()!
        let splitting = evidence.points.filter { !$0.ignoresAttributes }.map { $0.errors.min()! }.min()!
        #expect(free < splitting, "validation error without the attribute \(free), with it \(splitting)")
        #expect(try search.best(for: table).ignoredFeatures == ["@task:site"])
    }

    static func slopesPoint(errors: [Double]) -> GridEvidence.Point {
        GridEvidence.Point(linearBase: true, slopeL2Lambda: 0.03, depth: 2, learningRate: 0.1, errors: errors, losses: errors)
    }
}
