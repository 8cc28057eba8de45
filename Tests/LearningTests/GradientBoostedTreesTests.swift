import Foundation
import LifelongLearning
import Testing

@Suite("Gradient-boosted trees")
struct GradientBoostedTreesTests {
    static func parameters(rounds: Int = 30, depth: Int = 4) -> GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = rounds
        parameters.maxDepth = depth
        return parameters
    }

    @Test("multi-class softmax learns a nonlinear rule and outputs probabilities")
    func multiclass() throws {
        let split = try TestData.classificationTable(rows: 3000, seed: 11).split(evalFraction: 0.25, seed: 1)
        let model = try GradientBoostedTrees.train(on: split.train, parameters: Self.parameters())
        #expect(model.objective == .multiclassSoftmax(classCount: 3))
        #expect(model.trees.count == 90)
        #expect(try TestData.accuracy(model, on: split.eval) > 0.8)
        let probabilities = try model.predict(split.eval.features(ofRow: 0))
        #expect(probabilities.count == 3)
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
    }

    @Test("binary logistic gives two probabilities and beats the majority class")
    func binary() throws {
        let split = try TestData.classificationTable(rows: 2000, classes: 2, seed: 12).split(evalFraction: 0.25, seed: 2)
        let model = try GradientBoostedTrees.train(on: split.train, parameters: Self.parameters())
        #expect(model.objective == .binaryLogistic)
        let majority = Double(max(split.eval.classLabels.filter { $0 == 1 }.count, split.eval.classLabels.filter { $0 == 0 }.count))
            / Double(split.eval.rowCount)
        #expect(try TestData.accuracy(model, on: split.eval) > max(0.8, majority + 0.1))
        let p = try model.predict(split.eval.features(ofRow: 3))
        #expect(p.count == 2 && abs(p[0] + p[1] - 1) < 1e-6)
    }

    @Test("squared error fits a regression target")
    func regression() throws {
        let split = try TestData.linearRegressionTable(rows: 3000, seed: 13).split(evalFraction: 0.25, seed: 3)
        let model = try GradientBoostedTrees.train(on: split.train, parameters: Self.parameters(rounds: 60))
        let predictions = try model.predict(table: split.eval)
        let metrics = try RegressionMetrics(targets: split.eval.labels, predictions: predictions)
        #expect(metrics.r2 > 0.9)
    }

    @Test("training is deterministic for a seed, also with row and column sampling")
    func deterministic() throws {
        let table = try TestData.classificationTable(rows: 1500, missingRate: 0.05, seed: 14)
        var parameters = Self.parameters(rounds: 10)
        parameters.rowSubsample = 0.7
        parameters.columnSubsample = 0.6
        parameters.seed = 5
        let first = try GradientBoostedTrees.train(on: table, parameters: parameters)
        let second = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(first.trees == second.trees)
        parameters.seed = 6
        let third = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(first.trees != third.trees)
    }

    @Test("missing values learn a default direction")
    func missingDirection() throws {
        // The label is 1 exactly when x0 is missing or above 1: only the default direction
        // can separate missing rows from small values.
        var generator = SeededGenerator(seed: 21)
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<2000 {
            let missing = Double.random(in: 0..<1, using: &generator) < 0.3
            let value = Float.random(in: -2...2, using: &generator)
            x += [missing ? .nan : value, Float.random(in: -1...1, using: &generator)]
            y.append(missing || value > 1 ? 1 : 0)
        }
        let encoding = FeatureEncoding.numeric(
            featureCount: 2, label: .classification(classes: try CategoricalEncoding(categories: ["no", "yes"])))
        let table = try Table(encoding: encoding, rowMajor: x, labels: y)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters(rounds: 20, depth: 3))
        #expect(try TestData.accuracy(model, on: table) > 0.99)
        #expect(try model.predictClass([.nan, 0]) == 1)
        #expect(try model.predictClass([0, 0]) == 0)
    }

    @Test("categorical features get set splits, and unknown codes are rejected")
    func categorical() throws {
        var generator = SeededGenerator(seed: 22)
        let colors = try CategoricalEncoding(categories: ["red", "green", "blue", "black", "white"])
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<1500 {
            let color = Int.random(in: 0..<5, using: &generator)
            x += [Float(color), TestData.normal(&generator)]
            // Classes 0/2/4 vs 1/3: not a threshold on the code.
            y.append(color % 2 == 1 ? 1 : 0)
        }
        let encoding = FeatureEncoding(
            features: [FeatureColumn(name: "color", kind: .categorical(colors)), FeatureColumn(name: "noise", kind: .numeric)],
            labelName: "label", label: .classification(classes: try CategoricalEncoding(categories: ["a", "b"])))
        let table = try Table(encoding: encoding, rowMajor: x, labels: y)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters(rounds: 5, depth: 2))
        #expect(model.trees.contains { !$0.categorySplits.isEmpty })
        #expect(try TestData.accuracy(model, on: table) == 1)
        #expect(learningError { _ = try model.predict([7, 0]) }?.code == .unknownCategory)
        // An unknown category given as NaN (FeatureEncoding.encodeRow's .treatAsMissing) is allowed.
        let row = try encoding.encodeRow(["purple", "0"], unknownCategory: .treatAsMissing)
        #expect(try model.predict(row).count == 2)
    }

    @Test("ignored features are never split on; unknown names, no feature left or a linear base fail naming the field")
    func ignoredFeatures() throws {
        let table = try TestData.classificationTable(rows: 1500, seed: 15)
        let names = table.encoding.features.map(\.name)
        var parameters = Self.parameters(rounds: 10)
        parameters.columnSubsample = 0.5
        parameters.seed = 3
        let all = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(all.trees.contains { $0.splitFeatures.contains(0) }, "the first feature carries signal")
        parameters.ignoredFeatures = [names[0]]
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(model.trees.allSatisfy { !$0.splitFeatures.contains(0) })
        #expect(model.trees.contains { !$0.splitFeatures.filter { $0 >= 0 }.isEmpty }, "the others are split on")
        // The model keeps the feature in its encoding and ignores its value.
        var row = try table.features(ofRow: 0)
        let before = try model.predict(row)
        row[0] += 100
        #expect(try model.predict(row) == before)
        parameters.ignoredFeatures = ["no such feature"]
        var error = learningError { _ = try GradientBoostedTrees.train(on: table, parameters: parameters) }
        #expect(error?.code == .invalidParameter && error?.field == "ignoredFeatures")
        parameters.ignoredFeatures = names
        error = learningError { _ = try GradientBoostedTrees.train(on: table, parameters: parameters) }
        #expect(error?.code == .invalidParameter && error?.field == "ignoredFeatures")
        parameters.ignoredFeatures = [names[0]]
        parameters.linearBase = true
        error = learningError { try parameters.validate() }
        #expect(error?.code == .invalidParameter && error?.field == "ignoredFeatures")
    }

    @Test("early stopping keeps the best round of the validation loss")
    func earlyStopping() throws {
        let split = try TestData.classificationTable(rows: 1200, noise: 1.5, seed: 23).split(evalFraction: 0.3, seed: 4)
        var parameters = Self.parameters(rounds: 200, depth: 6)
        parameters.learningRate = 0.5
        parameters.earlyStoppingRounds = 5
        let model = try GradientBoostedTrees.train(on: split.train, validation: split.eval, parameters: parameters)
        #expect(model.roundsKept < 200)
        #expect(model.trees.count == model.roundsKept * 3)
        let best = model.validationLosses.indices.min { model.validationLosses[$0] < model.validationLosses[$1] }!
        #expect(best + 1 == model.roundsKept)
        #expect(model.validationLosses.count == model.roundsKept + 5)
    }

    @Test("the validation curve recorded while training is the trained model's, round by round")
    func validationCurveMatchesTheModel() throws {
        // Missing values, a categorical column and row sampling: the trainer scores validation
        // rows by walking its binned trees (and the rows a round left out likewise); the model
        // walks float thresholds and category sets. Both must land in the same leaves.
        var generator = SeededGenerator(seed: 31)
        let colors = try CategoricalEncoding(categories: ["red", "green", "blue", "black", "white"])
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<1600 {
            let color = Int.random(in: 0..<5, using: &generator)
            let a = TestData.normal(&generator), b = TestData.normal(&generator)
            x += [Float(color), Double.random(in: 0..<1, using: &generator) < 0.1 ? .nan : a, b]
            let score = a + (color % 2 == 1 ? 1 : -0.5) + 0.5 * b + 0.8 * TestData.normal(&generator)
            y.append(score < -0.5 ? 0 : score < 0.7 ? 1 : 2)
        }
        let encoding = FeatureEncoding(
            features: [
                FeatureColumn(name: "color", kind: .categorical(colors)), FeatureColumn(name: "a", kind: .numeric),
                FeatureColumn(name: "b", kind: .numeric),
            ],
            labelName: "label", label: .classification(classes: try CategoricalEncoding(categories: ["lo", "mid", "hi"])))
        let split = try Table(encoding: encoding, rowMajor: x, labels: y).split(evalFraction: 0.3, seed: 5)
        var parameters = Self.parameters(rounds: 12, depth: 5)
        parameters.rowSubsample = 0.7
        for rounds in [1, 12] {
            parameters.rounds = rounds
            let model = try GradientBoostedTrees.train(on: split.train, validation: split.eval, parameters: parameters)
            #expect(model.trees.contains { !$0.categorySplits.isEmpty })
            var loss = 0.0, wrong = 0
            for row in 0..<split.eval.rowCount {
                let probabilities = try model.predict(split.eval.features(ofRow: row))
                let label = Int(split.eval.labels[row])
                loss -= log(Double(probabilities[label]))
                if probabilities.indices.max(by: { probabilities[$0] < probabilities[$1] }) != label { wrong += 1 }
            }
            let rowCount = Double(split.eval.rowCount)
            #expect(model.validationLosses.count == rounds)
            #expect(abs(model.validationLosses.last! - loss / rowCount) < 1e-5)
            #expect(model.validationErrors.last! == Double(wrong) / rowCount)
        }
    }

    @Test("single-row, buffer and batch predictions agree")
    func predictionPathsAgree() throws {
        let table = try TestData.classificationTable(rows: 800, missingRate: 0.1, seed: 24)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters(rounds: 15))
        let batch = try model.predictBatch(rowMajor: table.rowMajorFeatures())
        var output = [Float](repeating: 0, count: 3)
        for row in stride(from: 0, to: table.rowCount, by: 37) {
            let features = table.features(ofRow: row)
            try model.predict(features, into: &output)
            #expect(output == Array(batch[(row * 3)..<(row * 3 + 3)]))
            #expect(try model.predict(features) == output)
        }
    }

    @Test("bad input at inference fails clearly")
    func badInference() throws {
        let table = try TestData.classificationTable(rows: 300, seed: 25)
        let model = try GradientBoostedTrees.train(on: table, parameters: Self.parameters(rounds: 3))
        let wrongCount = learningError { _ = try model.predict([1, 2, 3]) }
        #expect(wrongCount?.code == .featureCountMismatch)
        #expect(wrongCount?.message.contains("6") == true)
        let infinite = learningError { _ = try model.predict([0, 0, .infinity, 0, 0, 0]) }
        #expect(infinite?.code == .nonFiniteValue && infinite?.column == 3)
        #expect(try model.predict([.nan, .nan, .nan, .nan, .nan, .nan]).count == 3)
        let batch = learningError { _ = try model.predictBatch(rowMajor: [Float](repeating: 0, count: 6) + [0, 0, 0, 0, -.infinity, 0]) }
        #expect(batch?.code == .nonFiniteValue && batch?.line == 2)
        #expect(learningError { _ = try model.predictBatch(rowMajor: [1, 2, 3]) }?.code == .featureCountMismatch)
    }

    @Test("bad training input fails clearly")
    func badTraining() throws {
        let encoding = FeatureEncoding.numeric(
            featureCount: 1, label: .classification(classes: try CategoricalEncoding(categories: ["a", "b"])))
        let empty = try Table(encoding: encoding, columns: [[]], labels: [])
        #expect(learningError { _ = try GradientBoostedTrees.train(on: empty) }?.code == .emptyTrainingSet)
        let oneClass = try Table(encoding: encoding, columns: [[1, 2, 3]], labels: [1, 1, 1])
        #expect(learningError { _ = try GradientBoostedTrees.train(on: oneClass) }?.code == .singleClass)
        let singleClassEncoding = FeatureEncoding.numeric(
            featureCount: 1, label: .classification(classes: try CategoricalEncoding(categories: ["a"])))
        let single = try Table(encoding: singleClassEncoding, columns: [[1, 2]], labels: [0, 0])
        #expect(learningError { _ = try GradientBoostedTrees.train(on: single) }?.code == .singleClass)
        let table = try Table(encoding: encoding, columns: [[1, 2, 3, 4]], labels: [0, 1, 0, 1])
        var parameters = GradientBoostingParameters()
        parameters.objective = .squaredError
        #expect(learningError { _ = try GradientBoostedTrees.train(on: table, parameters: parameters) }?.code == .invalidParameter)
        let other = try TestData.classificationTable(rows: 10, seed: 1)
        #expect(learningError { _ = try GradientBoostedTrees.train(on: table, validation: other) }?.code == .shapeMismatch)
    }

    @Test("parameters outside their ranges are rejected, naming the parameter", arguments: [
        "rounds", "maxDepth", "learningRate", "minChildWeight", "l2Lambda", "gamma", "rowSubsample",
        "columnSubsample", "maxBins", "earlyStoppingRounds",
    ])
    func invalidParameters(name: String) {
        var parameters = GradientBoostingParameters()
        switch name {
        case "rounds": parameters.rounds = 0
        case "maxDepth": parameters.maxDepth = 17
        case "learningRate": parameters.learningRate = 0
        case "minChildWeight": parameters.minChildWeight = -1
        case "l2Lambda": parameters.l2Lambda = .nan
        case "gamma": parameters.gamma = -0.1
        case "rowSubsample": parameters.rowSubsample = 1.5
        case "columnSubsample": parameters.columnSubsample = 0
        case "maxBins": parameters.maxBins = 300
        default: parameters.earlyStoppingRounds = 0
        }
        let error = learningError { try parameters.validate() }
        #expect(error?.code == .invalidParameter)
        #expect(error?.field == name)
    }

    @Test("gamma and min child weight prune splits")
    func regularisation() throws {
        let table = try TestData.classificationTable(rows: 600, seed: 26)
        var parameters = Self.parameters(rounds: 3, depth: 6)
        let loose = try GradientBoostedTrees.train(on: table, parameters: parameters)
        parameters.gamma = 5
        let pruned = try GradientBoostedTrees.train(on: table, parameters: parameters)
        parameters.gamma = 0
        parameters.minChildWeight = 40
        let heavy = try GradientBoostedTrees.train(on: table, parameters: parameters)
        let nodes = { (model: GradientBoostedTrees) in model.trees.reduce(0) { $0 + $1.nodeCount } }
        #expect(nodes(pruned) < nodes(loose))
        #expect(nodes(heavy) < nodes(loose))
    }

    @Test("few distinct values each get their own bin; thresholds fall between them")
    func binning() throws {
        let x: [Float] = (0..<400).map { Float($0 % 4) }
        let y: [Float] = x.map { $0 >= 2 ? 1 : 0 }
        let encoding = FeatureEncoding.numeric(
            featureCount: 1, label: .classification(classes: try CategoricalEncoding(categories: ["a", "b"])))
        let model = try GradientBoostedTrees.train(
            on: try Table(encoding: encoding, columns: [x], labels: y), parameters: Self.parameters(rounds: 1, depth: 1))
        #expect(model.trees[0].splitFeatures[0] == 0)
        #expect(model.trees[0].values[0] == 1.5)
    }
}

@Suite("Gradient-boosted trees: edge cases")
struct GradientBoostedTreesEdgeCaseTests {
    @Test("tiny row samples, no L2 penalty and constant features still give finite models")
    func degenerateSettings() throws {
        let table = try TestData.classificationTable(rows: 20, seed: 61)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 5
        parameters.rowSubsample = 0.01
        parameters.l2Lambda = 0
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        #expect(model.trees.allSatisfy { $0.values.allSatisfy(\.isFinite) })
        #expect(try model.predict(table.features(ofRow: 0)).allSatisfy(\.isFinite))

        let encoding = FeatureEncoding.numeric(featureCount: 2, label: .regression)
        let constant = try Table(encoding: encoding, columns: [[1, 1, 1, 1], [.nan, .nan, .nan, .nan]], labels: [1, 2, 3, 4])
        let flat = try GradientBoostedTrees.train(on: constant, parameters: GradientBoostingParameters())
        #expect(flat.trees.allSatisfy { $0.nodeCount == 1 })
        #expect(abs(try flat.predict([1, .nan])[0] - 2.5) < 1e-3)
    }
}
