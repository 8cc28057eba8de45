import Glibc
import LifelongLearning
import LifelongProto
import Testing

/// Linear models with slopes per category (`LogisticRegression.Parameters.categorySlopeFeatures`,
/// `GradientBoostingParameters.linearSlopeFeatures`): training recovers them, a hybrid prior
/// specialized to a category folds them into ordinary weights, the model format keeps them.
@Suite("linear slopes per category")
struct CategorySlopeTests {
    /// The true slope of `x` per site; `z`'s slope is shared.
    static let siteSlopes: [Float] = [2, -1, 0.5]
    static let sharedSlope: Float = 0.5

    /// Binary labels drawn from `sigmoid(slope[site]·x + 0.5·z)`: the sites disagree on how the
    /// label answers `x` (site b the other way round), which one shared slope cannot follow.
    static func table(rows: Int, seed: UInt64) throws -> Table {
        var generator = SeededGenerator(seed: seed)
        let encoding = FeatureEncoding(
            features: [FeatureColumn(name: "x", kind: .numeric),
                       FeatureColumn(name: "site", kind: .categorical(CategoricalEncoding(sortingDistinct: ["a", "b", "c"]))),
                       FeatureColumn(name: "z", kind: .numeric)],
            labelName: "label", label: .classification(classes: CategoricalEncoding(sortingDistinct: ["no", "yes"])))
        var columns: [[Float]] = [[], [], []]
        var labels: [Float] = []
        for _ in 0..<rows {
            let x = TestData.normal(&generator), z = TestData.normal(&generator)
            let site = Int.random(in: 0..<3, using: &generator)
            let probability = 1 / (1 + exp(-(siteSlopes[site] * x + sharedSlope * z)))
            columns[0].append(x)
            columns[1].append(Float(site))
            columns[2].append(z)
            labels.append(Float.random(in: 0..<1, using: &generator) < probability ? 1 : 0)
        }
        return try Table(encoding: encoding, columns: columns, labels: labels)
    }

    /// The log odds of "yes".
    static func logit(_ model: LogisticRegression, _ row: [Float]) throws -> Float {
        let p = try model.predict(row)[1]
        return log(p / (1 - p))
    }

    static var hybridParameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = 10
        parameters.maxDepth = 2
        parameters.linearBase = true
        parameters.linearSlopeFeatures = ["site"]
        return parameters
    }

    @Test("logistic regression recovers a slope per site and beats one shared slope on held-out rows")
    func recoversSlopes() throws {
        let train = try Self.table(rows: 3000, seed: 1), test = try Self.table(rows: 3000, seed: 2)
        var parameters = LogisticRegression.Parameters()
        parameters.l2Lambda = 1e-4
        parameters.categorySlopeFeatures = ["site"]
        parameters.slopeL2Lambda = 1e-4
        let model = try LogisticRegression.train(on: train, parameters: parameters)
        #expect(model.categorySlopeFeatures == ["site"])
        for site in 0..<3 {
            // The change of the log odds for one unit of x (of z) at this site.
            let xSlope = try Self.logit(model, [1, Float(site), 0]) - Self.logit(model, [0, Float(site), 0])
            let zSlope = try Self.logit(model, [0, Float(site), 1]) - Self.logit(model, [0, Float(site), 0])
            #expect(abs(xSlope - Self.siteSlopes[site]) < 0.3, "site \(site): x slope \(xSlope)")
            #expect(abs(zSlope - Self.sharedSlope) < 0.3, "site \(site): z slope \(zSlope)")
        }
        let plain = try LogisticRegression.train(on: train)
        #expect(plain.categorySlopeFeatures.isEmpty)
        let withSlopes = try TestData.accuracy(model, on: test), shared = try TestData.accuracy(plain, on: test)
        #expect(withSlopes > shared + 0.05, "with slopes \(withSlopes), one shared slope \(shared)")
    }

    @Test("a hybrid prior with slopes, specialized to a site, answers as the full model; scaled, its scores scale")
    func specializationFoldsSlopes() throws {
        let table = try Self.table(rows: 600, seed: 3)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.hybridParameters)
        let full = model.encoding
        let reduced = FeatureEncoding(features: [full.features[2], full.features[0]], labelName: full.labelName, label: full.label)
        for site: Float in [0, 1, 2, .nan] {
            let special = try model.specialized(fixing: ["site": site], to: reduced)
            // The slopes are folded into the weights: the specialized model is an ordinary
            // hybrid (format version 2, which every edge reads).
            let bytes = try TrainedModel.gradientBoostedTrees(special).serializedBytes()
            #expect(try Lifelong_V1_TrainedModel(serializedBytes: bytes).formatVersion == 2)
            #expect(try Lifelong_V1_TrainedModel(serializedBytes: bytes).gbdt?.linearBase?.categorySlopes.isEmpty == true)
            for row in 0..<table.rowCount {
                var extended = table.features(ofRow: row)
                extended[1] = site
                let expected = try model.rawScores(extended)
                let answer = try special.rawScores([extended[2], extended[0]])
                #expect(zip(answer, expected).allSatisfy { abs($0 - $1) < 1e-4 }, "site \(site), row \(row)")
            }
        }
        // The slopes depend on the row's site: keeping the site as a feature cannot fold them.
        let keepsSite = FeatureEncoding(features: [full.features[1], full.features[0]], labelName: full.labelName, label: full.label)
        #expect(learningError { _ = try model.specialized(fixing: ["z": 0], to: keepsSite) }?.code == .shapeMismatch)
        let scaled = model.scaled(by: 0.5)
        for row in 0..<50 {
            let expected = try model.rawScores(table.features(ofRow: row)).map { $0 * 0.5 }
            #expect(zip(try scaled.rawScores(table.features(ofRow: row)), expected).allSatisfy { abs($0 - $1) < 1e-4 })
        }
    }

    @Test("slopes survive the model format as version 3, for a hybrid and a logistic regression")
    func formatRoundTrip() throws {
        let train = try Self.table(rows: 400, seed: 4), test = try Self.table(rows: 200, seed: 5)
        let hybrid = try GradientBoostedTrees.train(on: train, parameters: Self.hybridParameters)
        let bytes = try TrainedModel.gradientBoostedTrees(hybrid).serializedBytes()
        #expect(try Lifelong_V1_TrainedModel(serializedBytes: bytes).formatVersion == TrainedModel.categorySlopesFormatVersion)
        guard case .gradientBoostedTrees(let decoded) = try TrainedModel(serializedBytes: bytes) else {
            Issue.record("decoded as another kind")
            return
        }
        #expect(decoded.parameters.linearSlopeFeatures == ["site"] && decoded.parameters.linearSlopeL2Lambda == 1e-2)
        #expect(try decoded.predict(table: test) == hybrid.predict(table: test))
        #expect(try TrainedModel(predictionFormOf: bytes).model.predict(table: test) == hybrid.predict(table: test))

        var parameters = LogisticRegression.Parameters()
        parameters.categorySlopeFeatures = ["site"]
        let logistic = try LogisticRegression.train(on: train, parameters: parameters)
        let logisticBytes = try TrainedModel.logisticRegression(logistic).serializedBytes()
        #expect(try Lifelong_V1_TrainedModel(serializedBytes: logisticBytes).formatVersion == 3)
        guard case .logisticRegression(let decodedLogistic) = try TrainedModel(serializedBytes: logisticBytes) else {
            Issue.record("decoded as another kind")
            return
        }
        #expect(decodedLogistic.categorySlopeFeatures == ["site"])
        #expect(try decodedLogistic.predict(table: test) == logistic.predict(table: test))
    }

    @Test("slopes that do not fit the model are a corrupt model, naming the field")
    func corruptSlopes() throws {
        let hybrid = try GradientBoostedTrees.train(on: Self.table(rows: 200, seed: 6), parameters: Self.hybridParameters)
        let message = try TrainedModel.gradientBoostedTrees(hybrid).proto
        var short = message
        short.gbdt?.linearBase?.categorySlopes[0].weights.removeLast()
        var numeric = message
        numeric.gbdt?.linearBase?.categorySlopes[0].featureIndex = 0
        var twice = message
        twice.gbdt?.linearBase?.categorySlopes.append(message.gbdt!.linearBase!.categorySlopes[0])
        var infinite = message
        infinite.gbdt?.linearBase?.categorySlopes[0].weights[0] = .infinity
        for corrupt in [short, numeric, twice, infinite] {
            let error = learningError { _ = try TrainedModel(proto: corrupt) }
            #expect(error?.code == .corruptModel && error?.field == "category_slopes", "\(String(describing: error))")
        }
        var newer = message
        newer.formatVersion = TrainedModel.formatVersion + 1
        #expect(learningError { _ = try TrainedModel(proto: newer) }?.code == .unsupportedFormatVersion)
    }

    @Test("slope settings are checked: a categorical feature of the table, a linear base, a class label")
    func badParameters() throws {
        let table = try Self.table(rows: 100, seed: 7)
        for name in ["nope", "x"] {
            var parameters = LogisticRegression.Parameters()
            parameters.categorySlopeFeatures = [name]
            let error = learningError { _ = try LogisticRegression.train(on: table, parameters: parameters) }
            #expect(error?.code == .invalidParameter && error?.field == "categorySlopeFeatures", "\(name)")
        }
        var noBase = Self.hybridParameters
        noBase.linearBase = false
        #expect(learningError { _ = try GradientBoostedTrees.train(on: table, parameters: noBase) }?.field == "linearSlopeFeatures")
        var negative = Self.hybridParameters
        negative.linearSlopeL2Lambda = -1
        #expect(learningError { _ = try GradientBoostedTrees.train(on: table, parameters: negative) }?.field == "linearSlopeL2Lambda")
        let regression = try Table(
            encoding: FeatureEncoding(features: table.encoding.features, labelName: "y", label: .regression),
            columns: table.columns, labels: table.columns[0])
        let error = learningError { _ = try GradientBoostedTrees.train(on: regression, parameters: Self.hybridParameters) }
        #expect(error?.code == .invalidParameter && error?.field == "linearSlopeFeatures")
    }
}
