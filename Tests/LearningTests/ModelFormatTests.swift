import LifelongLearning
import LifelongProto
import Testing

@Suite("Model format")
struct ModelFormatTests {
    static func mixedTable() throws -> Table {
        var generator = SeededGenerator(seed: 41)
        let rooms = try CategoricalEncoding(categories: ["kitchen", "hall", "office", "lab"])
        let encoding = FeatureEncoding(
            features: [
                FeatureColumn(name: "room", kind: .categorical(rooms)),
                FeatureColumn(name: "temp", kind: .numeric),
                FeatureColumn(name: "humidity", kind: .numeric),
            ],
            labelName: "comfort", label: .classification(classes: try CategoricalEncoding(categories: ["cold", "ok", "hot"])))
        var columns: [[Float]] = [[], [], []], labels: [Float] = []
        for _ in 0..<900 {
            let room = Int.random(in: 0..<4, using: &generator)
            let temp = 20 + 4 * TestData.normal(&generator)
            let humidity: Float = Double.random(in: 0..<1, using: &generator) < 0.1 ? .nan : Float.random(in: 0...1, using: &generator)
            columns[0].append(Float(room))
            columns[1].append(temp)
            columns[2].append(humidity)
            let felt = temp + (room == 3 ? 3 : 0) + (humidity.isNaN ? 0 : 2 * humidity)
            labels.append(felt < 18 ? 0 : (felt < 24 ? 1 : 2))
        }
        return try Table(encoding: encoding, columns: columns, labels: labels)
    }

    @Test("GBDT with categorical splits round-trips and predicts the same")
    func gbdtRoundTrip() throws {
        let table = try Self.mixedTable()
        var parameters = GradientBoostingParameters()
        parameters.rounds = 10
        parameters.maxDepth = 4
        parameters.seed = 9
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(model.trees.contains { !$0.categorySplits.isEmpty })
        let bytes = try TrainedModel.gradientBoostedTrees(model).serializedBytes()
        guard case .gradientBoostedTrees(let decoded) = try TrainedModel(serializedBytes: bytes) else {
            Issue.record("decoded a different model kind")
            return
        }
        #expect(decoded.trees == model.trees)
        #expect(decoded.encoding == model.encoding)
        #expect(decoded.baseScores == model.baseScores)
        #expect(decoded.parameters.rounds == 10 && decoded.parameters.seed == 9 && decoded.roundsKept == 10)
        let features = table.rowMajorFeatures()
        #expect(try decoded.predictBatch(rowMajor: features) == model.predictBatch(rowMajor: features))
    }

    @Test("the prediction form predicts bit for bit as the full model, row by row and in batches, and refuses to be encoded")
    func predictionForm() throws {
        for table in [try Self.mixedTable(), try TestData.classificationTable(rows: 400, classes: 3, missingRate: 0.05, seed: 7)] {
            var parameters = GradientBoostingParameters()
            parameters.rounds = 12
            let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
            let bytes = try TrainedModel.gradientBoostedTrees(model).serializedBytes()
            let served = try TrainedModel(predictionFormOf: bytes)
            guard case .compiledTrees(let compiled) = served else {
                Issue.record("the prediction form of trees is not .compiledTrees")
                return
            }
            let features = table.rowMajorFeatures()
            #expect(try compiled.predictBatch(rowMajor: features) == model.predictBatch(rowMajor: features))
            for row in 0..<table.rowCount { #expect(try served.model.predict(table.features(ofRow: row)) == model.predict(table.features(ofRow: row))) }
            #expect { try served.serializedBytes() } throws: { ($0 as? LearningError)?.code == .invalidValue }
        }
    }

    @Test("numeric GBDT (complete-tree prediction layout) round-trips")
    func numericRoundTrip() throws {
        let table = try TestData.classificationTable(rows: 500, classes: 2, missingRate: 0.05, seed: 42)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 8
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        let decoded = try TrainedModel(serializedBytes: try TrainedModel.gradientBoostedTrees(model).serializedBytes())
        let features = table.rowMajorFeatures()
        #expect(try decoded.model.predictBatch(rowMajor: features) == model.predictBatch(rowMajor: features))
    }

    @Test("logistic and ridge models round-trip")
    func linearRoundTrip() throws {
        let table = try Self.mixedTable()
        let logistic = try LogisticRegression.train(on: table)
        let decoded = try TrainedModel(serializedBytes: try TrainedModel.logisticRegression(logistic).serializedBytes())
        guard case .logisticRegression(let back) = decoded else {
            Issue.record("decoded a different model kind")
            return
        }
        #expect(back.weights == logistic.weights && back.intercepts == logistic.intercepts && back.means == logistic.means)
        #expect(try back.predict(table: table) == logistic.predict(table: table))
        let regression = try TestData.linearRegressionTable(rows: 200, seed: 43)
        let ridge = try RidgeRegression.train(on: regression)
        let ridgeBack = try TrainedModel(serializedBytes: try TrainedModel.ridgeRegression(ridge).serializedBytes())
        #expect(try ridgeBack.model.predict(table: regression) == ridge.predict(table: regression))
    }

    static func smallModelBytes() throws -> [UInt8] {
        let table = try TestData.classificationTable(rows: 300, seed: 44)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 3
        return try TrainedModel.gradientBoostedTrees(GradientBoostedTrees.train(on: table, parameters: parameters)).serializedBytes()
    }

    @Test("every truncation of a model fails cleanly")
    func truncated() throws {
        let bytes = try Self.smallModelBytes()
        for length in stride(from: 0, to: bytes.count - 1, by: max(1, bytes.count / 300)) {
            let error = learningError { _ = try TrainedModel(serializedBytes: Array(bytes[..<length])) }
            #expect(error?.code == .corruptModel || error?.code == .unsupportedFormatVersion, "length \(length)")
        }
    }

    @Test("random byte corruption never crashes: decoding fails or yields a valid model")
    func corrupted() throws {
        let bytes = try Self.smallModelBytes()
        var generator = SeededGenerator(seed: 45)
        var failures = 0
        for _ in 0..<400 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                damaged[Int.random(in: 0..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let model = try TrainedModel(serializedBytes: damaged)
                // A still-valid model must predict without trouble.
                _ = try model.model.predict([Float](repeating: 0.5, count: model.encoding.featureCount))
            } catch let error as LearningError {
                #expect([.corruptModel, .unsupportedFormatVersion].contains(error.code))
                failures += 1
            }
        }
        #expect(failures > 0)
    }

    @Test("structural corruptions are named", arguments: [
        "child", "feature", "version", "noVersion", "kind", "baseScores", "cycle", "leafValue",
    ])
    func structural(corruption: String) throws {
        var message = try Lifelong_V1_TrainedModel(serializedBytes: try Self.smallModelBytes())
        var gbdt = message.gbdt!
        switch corruption {
        case "child": gbdt.trees[0].leftChildren[0] = 9999
        case "feature": gbdt.trees[1].splitFeatures[0] = 42
        case "version": message.formatVersion = TrainedModel.formatVersion + 1
        case "noVersion": message.formatVersion = 0
        case "kind": message.kind = .ridgeRegression
        case "baseScores": gbdt.baseScores = [0]
        case "cycle": gbdt.trees[0].rightChildren[0] = 0
        case "leafValue":
            let leaf = gbdt.trees[0].splitFeatures.firstIndex(of: -1)!
            gbdt.trees[0].values[leaf] = .infinity
        default: Issue.record("unknown corruption")
        }
        message.gbdt = gbdt
        let error = learningError { _ = try TrainedModel(serializedBytes: try message.serializedBytes()) }
        #expect(error?.code == (corruption == "version" ? .unsupportedFormatVersion : .corruptModel))
    }
}
