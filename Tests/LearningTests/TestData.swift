import Foundation
import LifelongLearning

/// Seeded synthetic data sets for the tests.
enum TestData {
    /// A standard normal value.
    static func normal(_ generator: inout SeededGenerator) -> Float {
        let u1 = max(Double.random(in: 0..<1, using: &generator), 1e-12)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }

    /// Rows of `features` normal features and a class from a nonlinear rule plus noise.
    /// Returns row-major features and labels.
    static func classification(
        rows: Int, features: Int = 6, classes: Int = 3, noise: Float = 0.3, missingRate: Double = 0, seed: UInt64
    ) -> (features: [Float], labels: [Float]) {
        var generator = SeededGenerator(seed: seed)
        var x = [Float](repeating: 0, count: rows * features)
        var y = [Float](repeating: 0, count: rows)
        for row in 0..<rows {
            for feature in 0..<features { x[row * features + feature] = normal(&generator) }
            let f = { (i: Int) in x[row * features + i % features] }
            var scores = [Float](repeating: 0, count: classes)
            scores[0] = f(0) * f(1) + (f(2) > 0.3 ? 1 : 0)
            scores[1] = f(0) - f(1) + 0.5 * abs(f(3))
            for k in 2..<max(2, classes) { scores[k] = sin(2 * f(k + 2)) + 0.5 * f(k) }
            for k in 0..<classes { scores[k] += noise * normal(&generator) }
            y[row] = Float(scores.indices.max { scores[$0] < scores[$1] }!)
            for feature in 0..<features where Double.random(in: 0..<1, using: &generator) < missingRate {
                x[row * features + feature] = .nan
            }
        }
        return (x, y)
    }

    static func classificationTable(
        rows: Int, features: Int = 6, classes: Int = 3, noise: Float = 0.3, missingRate: Double = 0, seed: UInt64
    ) throws -> Table {
        let (x, y) = classification(
            rows: rows, features: features, classes: classes, noise: noise, missingRate: missingRate, seed: seed)
        let encoding = FeatureEncoding.numeric(
            featureCount: features,
            label: .classification(classes: try CategoricalEncoding(categories: (0..<classes).map { "c\($0)" })))
        return try Table(encoding: encoding, rowMajor: x, labels: y)
    }

    /// y = 3 x0 − 2 x1 + 0.5 x2 + 1 + noise.
    static func linearRegressionTable(rows: Int, noise: Float = 0.1, seed: UInt64) throws -> Table {
        var generator = SeededGenerator(seed: seed)
        var x: [Float] = [], y: [Float] = []
        for _ in 0..<rows {
            let a = normal(&generator), b = normal(&generator), c = normal(&generator)
            x += [a, b, c]
            y.append(3 * a - 2 * b + 0.5 * c + 1 + noise * normal(&generator))
        }
        return try Table(encoding: .numeric(featureCount: 3, label: .regression), rowMajor: x, labels: y)
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("learning-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Accuracy of predicted classes.
    static func accuracy(_ model: some TabularModel, on table: Table) throws -> Double {
        let predicted = model.classes(fromBatch: try model.predict(table: table))
        let correct = zip(predicted, table.classLabels).filter { $0 == $1 }.count
        return Double(correct) / Double(table.rowCount)
    }
}

/// Runs `body` and returns the LearningError it throws, or nil.
func learningError(_ body: () throws -> Void) -> LearningError? {
    do {
        try body()
        return nil
    } catch let error as LearningError {
        return error
    } catch {
        return LearningError(.invalidValue, "unexpected error type: \(error)")
    }
}
