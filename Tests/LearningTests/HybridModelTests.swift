import LifelongLearning
import LifelongProto
import Testing

/// Trees boosted from a linear model (`GradientBoostingParameters.linearBase`): training, the
/// model format, and the compositions the lifelong learner builds from such a prior.
@Suite("trees on a linear base")
struct HybridModelTests {
    static let classes = ["cold", "ok", "warm"]

    /// Three classes cut from a slanted score `x + 0.8·y − 0.5·z` (bands at ±0.7), a site
    /// (categorical) shifting the score, 10 % of labels redrawn, 5 % of `y` missing: a boundary
    /// axis-aligned trees approximate with many steps.
    static func slantedTable(rows: Int, seed: UInt64) throws -> Table {
        var generator = SeededGenerator(seed: seed)
        let sites = CategoricalEncoding(sortingDistinct: ["a", "b", "c"])
        let encoding = FeatureEncoding(
            features: [FeatureColumn(name: "x", kind: .numeric), FeatureColumn(name: "site", kind: .categorical(sites)),
                       FeatureColumn(name: "y", kind: .numeric), FeatureColumn(name: "z", kind: .numeric)],
            labelName: "label", label: .classification(classes: CategoricalEncoding(sortingDistinct: classes)))
        var columns: [[Float]] = [[], [], [], []]
        var labels: [Float] = []
        for _ in 0..<rows {
            let x = TestData.normal(&generator), y = TestData.normal(&generator), z = TestData.normal(&generator)
            let site = Int.random(in: 0..<3, using: &generator)
            let score = x + 0.8 * y - 0.5 * z + [0, 0.6, -0.6][site]
            var label = score > 0.7 ? 2 : (score < -0.7 ? 0 : 1)
            if Float.random(in: 0..<1, using: &generator) < 0.1 { label = Int.random(in: 0..<3, using: &generator) }
            columns[0].append(x)
            columns[1].append(Float(site))
            columns[2].append(Float.random(in: 0..<1, using: &generator) < 0.05 ? .nan : y)
            columns[3].append(z)
            labels.append(Float(label))
        }
        return try Table(encoding: encoding, columns: columns, labels: labels)
    }

    static var parameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = 10
        parameters.maxDepth = 2
        parameters.learningRate = 0.3
        parameters.linearBase = true
        return parameters
    }

    static func rawScores(_ model: GradientBoostedTrees, _ table: Table) throws -> [[Float]] {
        try (0..<table.rowCount).map { try model.rawScores(table.features(ofRow: $0)) }
    }

    static func maxDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
        zip(a, b).flatMap { zip($0, $1).map { abs($0 - $1) } }.max() ?? 0
    }

    @Test("on a slanted boundary, 10 rounds on a linear base beat 10 rounds of trees alone on held-out rows")
    func fitsSlantedBoundary() throws {
        let train = try Self.slantedTable(rows: 800, seed: 1), test = try Self.slantedTable(rows: 2000, seed: 2)
        let hybrid = try GradientBoostedTrees.train(on: train, validation: test, parameters: Self.parameters)
        var plainParameters = Self.parameters
        plainParameters.linearBase = false
        let plain = try GradientBoostedTrees.train(on: train, validation: test, parameters: plainParameters)
        #expect(hybrid.hasLinearBase && !plain.hasLinearBase)
        #expect(hybrid.parameters.linearBase)
        let hybridAccuracy = try TestData.accuracy(hybrid, on: test), plainAccuracy = try TestData.accuracy(plain, on: test)
        #expect(hybridAccuracy > plainAccuracy + 0.02, "hybrid \(hybridAccuracy), trees alone \(plainAccuracy)")
        // The validation error rate recorded after the last round is the model's error on those
        // rows (to a row: training scores them through bins, prediction through thresholds).
        #expect(hybrid.validationErrors.count == 10)
        #expect(abs(hybrid.validationErrors.last! - (1 - hybridAccuracy)) <= 1.0 / 2000 + 1e-12)
    }

    @Test("a hybrid model survives the model format bit for bit, in full and in prediction form")
    func formatRoundTrip() throws {
        let train = try Self.slantedTable(rows: 300, seed: 3), test = try Self.slantedTable(rows: 200, seed: 4)
        let model = try GradientBoostedTrees.train(on: train, parameters: Self.parameters)
        let bytes = try TrainedModel.gradientBoostedTrees(model).serializedBytes()
        guard case .gradientBoostedTrees(let decoded) = try TrainedModel(serializedBytes: bytes) else {
            Issue.record("decoded as another kind")
            return
        }
        #expect(decoded.hasLinearBase && decoded.parameters.linearBase)
        // Written as format version 2, which a reader that predates the linear base refuses;
        // plain trees stay version 1.
        #expect(try Lifelong_V1_TrainedModel(serializedBytes: bytes).formatVersion == 2)
        var plainParameters = Self.parameters
        plainParameters.linearBase = false
        let plainBytes = try TrainedModel.gradientBoostedTrees(GradientBoostedTrees.train(on: train, parameters: plainParameters))
            .serializedBytes()
        #expect(try Lifelong_V1_TrainedModel(serializedBytes: plainBytes).formatVersion == 1)
        #expect(try decoded.predict(table: test) == model.predict(table: test))
        #expect(try TrainedModel(predictionFormOf: bytes).model.predict(table: test) == model.predict(table: test))
        // Without its linear part the trees alone answer differently.
        let treesOnly = try GradientBoostedTrees(
            encoding: model.encoding, objective: model.objective, baseScores: model.baseScores, trees: model.trees,
            parameters: model.parameters, roundsKept: model.roundsKept)
        #expect(try Self.maxDifference(Self.rawScores(treesOnly, test), Self.rawScores(model, test)) > 0.1)
    }

    @Test("a hybrid model specialized to a site answers as the full model with that site; scaled, its scores scale")
    func specializationAndScaling() throws {
        let table = try Self.slantedTable(rows: 600, seed: 5)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters)
        let full = model.encoding
        let reduced = FeatureEncoding(
            features: [full.features[3], full.features[0], full.features[2]], labelName: full.labelName, label: full.label)
        for site: Float in [0, 1, 2, .nan] {
            let special = try model.specialized(fixing: ["site": site], to: reduced)
            #expect(special.hasLinearBase)
            for row in 0..<table.rowCount {
                var extended = table.features(ofRow: row)
                extended[1] = site
                let expected = try model.rawScores(extended)
                let answer = try special.rawScores([extended[3], extended[0], extended[2]])
                #expect(zip(answer, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "site \(site), row \(row)")
            }
        }
        for factor: Float in [0, 0.5] {
            let scaled = model.scaled(by: factor)
            for row in 0..<50 {
                let expected = try model.rawScores(table.features(ofRow: row)).map { $0 * factor }
                #expect(zip(try scaled.rawScores(table.features(ofRow: row)), expected).allSatisfy { abs($0 - $1) < 1e-4 })
            }
        }
    }

    @Test("a linear base fitted once and boosted from under other tree settings gives the models trained whole")
    func linearBaseFittedOnce() throws {
        let train = try Self.slantedTable(rows: 400, seed: 7), validation = try Self.slantedTable(rows: 200, seed: 8)
        let fit = try GradientBoostedTrees.fitLinearBase(on: train, validation: validation, parameters: Self.parameters)
        for depth in [2, 4] {
            var parameters = Self.parameters
            parameters.maxDepth = depth
            let whole = try GradientBoostedTrees.train(on: train, validation: validation, parameters: parameters)
            let reused = try GradientBoostedTrees.train(on: train, validation: validation, parameters: parameters, linearBase: fit)
            #expect(reused.validationLosses == whole.validationLosses && reused.validationErrors == whole.validationErrors)
            #expect(try reused.predict(table: validation) == whole.predict(table: validation))
            #expect(try TrainedModel.gradientBoostedTrees(reused).serializedBytes() == TrainedModel.gradientBoostedTrees(whole).serializedBytes())
        }
        // A fit for other linear settings, or without a linear base, is refused.
        var slopes = Self.parameters
        slopes.linearSlopeFeatures = ["site"]
        #expect(learningError { _ = try GradientBoostedTrees.train(on: train, validation: validation, parameters: slopes, linearBase: fit) }?
            .field == "linearBase")
        var plain = Self.parameters
        plain.linearBase = false
        #expect(learningError { _ = try GradientBoostedTrees.fitLinearBase(on: train, validation: nil, parameters: plain) }?.field == "linearBase")
        // Scored without the validation rows, it cannot boost with them.
        let unscored = try GradientBoostedTrees.fitLinearBase(on: train, validation: nil, parameters: Self.parameters)
        #expect(learningError { _ = try GradientBoostedTrees.train(on: train, validation: validation, parameters: Self.parameters, linearBase: unscored) } != nil)
    }

    @Test("a correction appended to a hybrid prior adds to its scores; a hybrid is no correction, nor continues a margin")
    func appending() throws {
        let table = try Self.slantedTable(rows: 400, seed: 6)
        let prior = try GradientBoostedTrees.train(on: table, parameters: Self.parameters)
        let margins = try Self.rawScores(prior, table)
        var correctionParameters = Self.parameters
        correctionParameters.linearBase = false
        let correction = try GradientBoostedTrees.train(
            on: table, parameters: correctionParameters, start: BoostingStart(baseMargin: margins.flatMap { $0 }))
        let joined = try prior.appending(correction)
        #expect(joined.hasLinearBase)
        let expected = try zip(margins, Self.rawScores(correction, table)).map { zip($0, $1).map { $0 + $1 } }
        #expect(try Self.maxDifference(Self.rawScores(joined, table), expected) < 1e-4)
        #expect(throws: LearningError.self) { try correction.appending(prior) }
        #expect(throws: LearningError.self) {
            try GradientBoostedTrees.train(
                on: table, parameters: Self.parameters, start: BoostingStart(baseMargin: margins.flatMap { $0 }))
        }
    }

    @Test("averaged models score the mean of their scores, slopes and linear bases included, and survive the model format")
    func averaging() throws {
        let train = try Self.slantedTable(rows: 300, seed: 7), test = try Self.slantedTable(rows: 200, seed: 8)
        var plain = Self.parameters
        plain.linearBase = false
        var slopes = Self.parameters
        slopes.linearSlopeFeatures = ["site"]
        var deeper = Self.parameters
        deeper.maxDepth = 3
        let models = try [plain, Self.parameters, slopes, deeper].map { try GradientBoostedTrees.train(on: train, parameters: $0) }
        let averaged = try GradientBoostedTrees.averaging(models)
        let scores = try models.map { try Self.rawScores($0, test) }
        let mean = (0..<test.rowCount).map { row in
            (0..<Self.classes.count).map { output in scores.map { $0[row][output] }.reduce(0, +) / Float(models.count) }
        }
        #expect(try Self.maxDifference(Self.rawScores(averaged, test), mean) < 1e-4)
        #expect(averaged.hasLinearBase && averaged.trees.count == models.map(\.trees.count).reduce(0, +))
        guard case .gradientBoostedTrees(let decoded) = try TrainedModel(
            serializedBytes: TrainedModel.gradientBoostedTrees(averaged).serializedBytes())
        else {
            Issue.record("decoded as another kind")
            return
        }
        #expect(try decoded.predict(table: test) == averaged.predict(table: test))
        #expect(try GradientBoostedTrees.averaging([models[1]]).predict(table: test) == models[1].predict(table: test))
        #expect(throws: LearningError.self) { try GradientBoostedTrees.averaging([]) }
        // A linear base standardizes by its training rows: bases fitted to other rows do not add.
        let other = try GradientBoostedTrees.train(on: Self.slantedTable(rows: 300, seed: 9), parameters: Self.parameters)
        #expect(throws: LearningError.self) { try GradientBoostedTrees.averaging([models[1], other]) }
    }
}
