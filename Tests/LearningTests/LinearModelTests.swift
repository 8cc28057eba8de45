import LifelongLearning
import Testing

@Suite("Linear baselines")
struct LinearModelTests {
    @Test("ridge regression recovers linear coefficients")
    func ridge() throws {
        let table = try TestData.linearRegressionTable(rows: 2000, noise: 0.05, seed: 31)
        let model = try RidgeRegression.train(on: table, l2Lambda: 1e-4)
        // Weights are on standardised inputs: weight / scale is the raw coefficient.
        let raw = zip(model.weights, model.scales).map { $0 / $1 }
        #expect(abs(raw[0] - 3) < 0.05 && abs(raw[1] + 2) < 0.05 && abs(raw[2] - 0.5) < 0.05)
        let metrics = try RegressionMetrics(targets: table.labels, predictions: try model.predict(table: table))
        #expect(metrics.r2 > 0.99)
        #expect(abs(try model.predict([0, 0, 0])[0] - 1) < 0.05)
    }

    @Test("a larger ridge penalty shrinks the weights")
    func ridgeShrinks() throws {
        let table = try TestData.linearRegressionTable(rows: 500, seed: 32)
        let small = try RidgeRegression.train(on: table, l2Lambda: 1e-4)
        let large = try RidgeRegression.train(on: table, l2Lambda: 10)
        let norm = { (w: [Float]) in w.reduce(0) { $0 + $1 * $1 } }
        #expect(norm(large.weights) < norm(small.weights) / 10)
    }

    @Test("ridge without a penalty on collinear inputs reports a singular system")
    func singular() throws {
        let encoding = FeatureEncoding.numeric(featureCount: 2, label: .regression)
        let table = try Table(encoding: encoding, columns: [[1, 2, 3, 4], [2, 4, 6, 8]], labels: [1, 2, 3, 4])
        #expect(learningError { _ = try RidgeRegression.train(on: table, l2Lambda: 0) }?.code == .numericalFailure)
        #expect(try RidgeRegression.train(on: table, l2Lambda: 0.01).predict([5, 10])[0] > 4)
    }

    @Test("logistic regression separates linearly separable classes, binary and multinomial")
    func logistic() throws {
        var generator = SeededGenerator(seed: 33)
        var x: [Float] = [], y2: [Float] = [], y3: [Float] = []
        for _ in 0..<1500 {
            let a = TestData.normal(&generator), b = TestData.normal(&generator)
            x += [a, b]
            y2.append(a + 2 * b > 0 ? 1 : 0)
            y3.append(a > 0.5 ? 2 : (b > 0 ? 1 : 0))
        }
        let binary = try Table(
            encoding: .numeric(featureCount: 2, label: .classification(classes: try CategoricalEncoding(categories: ["n", "y"]))),
            rowMajor: x, labels: y2)
        let model = try LogisticRegression.train(on: binary)
        #expect(model.objective == .binaryLogistic)
        #expect(try TestData.accuracy(model, on: binary) > 0.97)
        let three = try Table(
            encoding: .numeric(featureCount: 2, label: .classification(classes: try CategoricalEncoding(categories: ["a", "b", "c"]))),
            rowMajor: x, labels: y3)
        let multinomial = try LogisticRegression.train(on: three)
        #expect(multinomial.weights.count == 6)
        #expect(try TestData.accuracy(multinomial, on: three) > 0.9)
        let p = try multinomial.predict([2, 0])
        #expect(p.count == 3 && abs(p.reduce(0, +) - 1) < 1e-5 && p[2] > 0.8)
    }

    @Test("linear models one-hot encode categories and ignore missing values")
    func categoricalAndMissing() throws {
        let colors = try CategoricalEncoding(categories: ["red", "green", "blue"])
        let encoding = FeatureEncoding(
            features: [FeatureColumn(name: "color", kind: .categorical(colors)), FeatureColumn(name: "x", kind: .numeric)],
            labelName: "y", label: .regression)
        var generator = SeededGenerator(seed: 34)
        var columns: [[Float]] = [[], []], labels: [Float] = []
        for _ in 0..<600 {
            let color = Int.random(in: 0..<3, using: &generator)
            let x = TestData.normal(&generator)
            columns[0].append(Float(color))
            columns[1].append(x)
            labels.append([0, 5, -5][color] + x)
        }
        let model = try RidgeRegression.train(on: try Table(encoding: encoding, columns: columns, labels: labels), l2Lambda: 1e-5)
        #expect(model.means.count == 4)
        #expect(abs(try model.predict([1, 0])[0] - 5) < 0.05)
        #expect(abs(try model.predict([2, 1])[0] + 4) < 0.05)
        // A missing value contributes the training mean, so the prediction stays finite.
        #expect(try model.predict([.nan, .nan])[0].isFinite)
        #expect(learningError { _ = try model.predict([3, 0]) }?.code == .unknownCategory)
    }

    @Test("linear models reject the wrong label kind, empty and single-class data")
    func badTraining() throws {
        let regression = try TestData.linearRegressionTable(rows: 10, seed: 35)
        #expect(learningError { _ = try LogisticRegression.train(on: regression) }?.code == .invalidParameter)
        let classification = try TestData.classificationTable(rows: 10, seed: 35)
        #expect(learningError { _ = try RidgeRegression.train(on: classification) }?.code == .invalidParameter)
        let encoding = FeatureEncoding.numeric(
            featureCount: 1, label: .classification(classes: try CategoricalEncoding(categories: ["a", "b"])))
        #expect(learningError { _ = try LogisticRegression.train(on: try Table(encoding: encoding, columns: [[]], labels: [])) }?.code == .emptyTrainingSet)
        #expect(learningError { _ = try LogisticRegression.train(on: try Table(encoding: encoding, columns: [[1, 2]], labels: [0, 0])) }?.code == .singleClass)
    }
}
