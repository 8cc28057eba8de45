import LifelongLearning
import Testing

/// Row weights, continued boosting from a base margin, appending a correction, and
/// specializing a model to fixed feature values.
@Suite("boosting composition")
struct BoostingCompositionTests {
    /// Parameters without sampling, so that equal sums give equal trees.
    static var parameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = 10
        parameters.maxDepth = 3
        parameters.learningRate = 0.3
        return parameters
    }

    static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// Two features with four values each (every value its own bin), three classes.
    static func smallTable() throws -> Table {
        var generator = SeededGenerator(seed: 3)
        var columns: [[Float]] = [[], []]
        var labels: [Float] = []
        for _ in 0..<80 {
            let a = Float(Int.random(in: 0..<4, using: &generator)), b = Float(Int.random(in: 0..<4, using: &generator))
            columns[0].append(a)
            columns[1].append(b)
            labels.append(Float.random(in: 0..<1, using: &generator) < 0.8 ? Float((Int(a) + Int(b)) % 3) : 0)
        }
        return try Table(encoding: .numeric(featureCount: 2, label: .classification(classes: CategoricalEncoding(sortingDistinct: ["x", "y", "z"]))), columns: columns, labels: labels)
    }

    @Test("a row of weight 2 trains the same model as the row twice")
    func weights() throws {
        let table = try Self.smallTable()
        let doubled = Array(0..<table.rowCount) + Array(0..<10)
        let duplicated = table.selecting(rows: doubled)
        let weighted = try GradientBoostedTrees.train(
            on: table, parameters: Self.parameters,
            start: BoostingStart(rowWeights: (0..<table.rowCount).map { $0 < 10 ? 2 : 1 }))
        let repeated = try GradientBoostedTrees.train(on: duplicated, parameters: Self.parameters)
        let unweighted = try GradientBoostedTrees.train(on: table, parameters: Self.parameters)
        #expect(Self.maxDifference(try weighted.predict(table: table), try repeated.predict(table: table)) < 1e-4)
        #expect(Self.maxDifference(try weighted.predict(table: table), try unweighted.predict(table: table)) > 1e-3)
        #expect(throws: LearningError.self) {
            try GradientBoostedTrees.train(on: table, parameters: Self.parameters, start: BoostingStart(rowWeights: [1]))
        }
    }

    @Test("10 rounds continued from a 10-round model's raw scores, appended, equal 20 rounds trained at once")
    func continuedBoosting() throws {
        let table = try TestData.classificationTable(rows: 400, features: 4, classes: 3, seed: 11)
        let validation = try TestData.classificationTable(rows: 100, features: 4, classes: 3, seed: 12)
        var twenty = Self.parameters
        twenty.rounds = 20
        let direct = try GradientBoostedTrees.train(on: table, parameters: twenty)
        let prior = try GradientBoostedTrees.train(on: table, parameters: Self.parameters)
        func margins(_ rows: Table) throws -> [Float] {
            try (0..<rows.rowCount).flatMap { try prior.rawScores(rows.features(ofRow: $0)) }
        }
        let correction = try GradientBoostedTrees.train(
            on: table, validation: validation, parameters: Self.parameters,
            start: BoostingStart(baseMargin: try margins(table), validationBaseMargin: try margins(validation)))
        #expect(correction.baseScores == [0, 0, 0])
        let joined = try prior.appending(correction)
        #expect(joined.trees.count == direct.trees.count)
        #expect(Self.maxDifference(try joined.predict(table: validation), try direct.predict(table: validation)) < 1e-4)
        // Before its first round, the correction's validation loss is the prior's.
        let priorOnly = try GradientBoostedTrees.train(
            on: table, validation: validation, parameters: Self.parameters)
        #expect(abs((correction.initialValidationLoss ?? 0) - priorOnly.validationLosses.last!) < 1e-4)
        #expect(throws: LearningError.self) { try prior.appending(prior) }
    }

    @Test("a scaled model's raw scores are the model's times the factor; 0 gives zeros, 1 the model")
    func scaling() throws {
        let table = try TestData.classificationTable(rows: 200, features: 4, classes: 3, seed: 13)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters)
        for factor: Float in [0, 0.25, 1] {
            let scaled = model.scaled(by: factor)
            #expect(scaled.trees.count == model.trees.count)
            for row in 0..<20 {
                let expected = try model.rawScores(table.features(ofRow: row)).map { $0 * factor }
                #expect(Self.maxDifference(try scaled.rawScores(table.features(ofRow: row)), expected) < 1e-5)
            }
        }
    }

    @Test("a model specialized to a fixed category answers every row as the full model with that category")
    func specialization() throws {
        var generator = SeededGenerator(seed: 5)
        let sites = CategoricalEncoding(sortingDistinct: ["a", "b", "c"])
        let full = FeatureEncoding(
            features: [FeatureColumn(name: "x", kind: .numeric), FeatureColumn(name: "site", kind: .categorical(sites)),
                       FeatureColumn(name: "y", kind: .numeric)],
            labelName: "label", label: .classification(classes: CategoricalEncoding(sortingDistinct: ["no", "yes"])))
        var columns: [[Float]] = [[], [], []]
        var labels: [Float] = []
        for _ in 0..<600 {
            let x = TestData.normal(&generator), y = TestData.normal(&generator)
            let site = Int.random(in: 0..<3, using: &generator)
            columns[0].append(x)
            columns[1].append(Float(site))
            columns[2].append(y)
            // Each site has its own boundary.
            labels.append([x > 0, y > 0.5, x + y < 0][site] ? 1 : 0)
        }
        let table = try Table(encoding: full, columns: columns, labels: labels)
        var parameters = Self.parameters
        parameters.rounds = 30
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(model.trees.contains { $0.splitFeatures.contains(1) })
        let reduced = FeatureEncoding(features: [full.features[0], full.features[2]], labelName: "label", label: full.label)
        for site in 0..<3 {
            let special = try model.specialized(fixing: ["site": Float(site)], to: reduced)
            #expect(special.encoding == reduced)
            #expect(zip(special.trees, model.trees).allSatisfy { $0.nodeCount <= $1.nodeCount })
            for row in 0..<table.rowCount {
                let features = table.features(ofRow: row)
                let expected = try model.rawScores([features[0], Float(site), features[2]])
                let actual = try special.rawScores([features[0], features[2]])
                #expect(Self.maxDifference(expected, actual) < 1e-5)  // float sums in another order
            }
        }
        // Missing and unknown categories take the learned default direction, as in the full model.
        let missing = try model.specialized(fixing: ["site": Float.nan], to: reduced)
        #expect(Self.maxDifference(try missing.rawScores([0.3, -0.2]), try model.rawScores([0.3, .nan, -0.2])) < 1e-5)
        #expect(throws: LearningError.self) { try model.specialized(fixing: ["nope": 0], to: reduced) }
        #expect(throws: LearningError.self) { try model.specialized(fixing: [:], to: reduced) }
    }
}
