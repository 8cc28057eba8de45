import LifelongLearning
import Testing

/// Checks the compiled prediction paths against a plain walk of the public tree arrays, which
/// follows the documented semantics directly.
@Suite("Compiled prediction")
struct CompiledPredictionTests {
    /// Raw scores by walking `RegressionTree`s node by node.
    static func referenceScores(_ model: GradientBoostedTrees, _ row: [Float]) -> [Float] {
        var scores = model.baseScores
        for tree in model.trees {
            var node = 0
            while tree.splitFeatures[node] >= 0 {
                let feature = Int(tree.splitFeatures[node])
                let x = row[feature]
                let goLeft: Bool
                if let split = tree.categorySplits.first(where: { $0.node == node }) {
                    let count = model.encoding.features[feature].categories!.count
                    if x.isNaN || x < 0 || Int(x) >= count {
                        goLeft = tree.defaultLeft[node]
                    } else {
                        goLeft = split.leftCategories.contains(Int(x))
                    }
                } else {
                    goLeft = x.isNaN ? tree.defaultLeft[node] : x <= tree.values[node]
                }
                node = Int(goLeft ? tree.leftChildren[node] : tree.rightChildren[node])
            }
            scores[tree.outputIndex] += tree.values[node]
        }
        return scores
    }

    static func expectClose(_ a: [Float], _ b: [Float], _ context: String) {
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) {
            #expect(abs(x - y) <= 1e-4 * max(1, abs(y)), "\(context): \(a) vs \(b)")
        }
    }

    @Test("numeric trees (complete layout): rows with and without missing values, and values on thresholds")
    func numericTrees() throws {
        let table = try TestData.classificationTable(rows: 1500, missingRate: 0.05, seed: 51)
        var parameters = GradientBoostingParameters()
        parameters.rounds = 12
        parameters.maxDepth = 5
        let model = try GradientBoostedTrees.train(on: table, parameters: parameters)
        for row in stride(from: 0, to: table.rowCount, by: 7) {
            let features = table.features(ofRow: row)
            Self.expectClose(try model.rawScores(features), Self.referenceScores(model, features), "row \(row)")
        }
        // Values exactly on split thresholds, and -0 / +0, must go left like `x <= t`.
        var onThresholds: [[Float]] = []
        for tree in model.trees.prefix(6) {
            for node in 0..<tree.nodeCount where tree.splitFeatures[node] >= 0 {
                var features = table.features(ofRow: node % table.rowCount).map { $0.isNaN ? 0 : $0 }
                features[Int(tree.splitFeatures[node])] = tree.values[node]
                onThresholds.append(features)
            }
        }
        onThresholds.append([Float](repeating: -0.0, count: 6))
        onThresholds.append([Float](repeating: 0.0, count: 6))
        for features in onThresholds {
            Self.expectClose(try model.rawScores(features), Self.referenceScores(model, features), "\(features)")
        }
        // Batch output is the transformed single-row output.
        let batch = try model.predictBatch(rowMajor: onThresholds.flatMap { $0 })
        for (index, features) in onThresholds.enumerated() {
            #expect(Array(batch[(index * 3)..<(index * 3 + 3)]) == (try model.predict(features)))
        }
    }

    @Test("categorical trees (general layout) and shallow leaves")
    func categoricalTrees() throws {
        var generator = SeededGenerator(seed: 52)
        let kinds = try CategoricalEncoding(categories: ["a", "b", "c", "d", "e", "f"])
        let encoding = FeatureEncoding(
            features: [FeatureColumn(name: "kind", kind: .categorical(kinds)), FeatureColumn(name: "x", kind: .numeric)],
            labelName: "y", label: .regression)
        var columns: [[Float]] = [[], []], labels: [Float] = []
        for _ in 0..<800 {
            let kind = Int.random(in: 0..<6, using: &generator)
            let x = TestData.normal(&generator)
            let missing = Double.random(in: 0..<1, using: &generator) < 0.1
            columns[0].append(missing ? .nan : Float(kind))
            columns[1].append(x)
            labels.append([3, -1, 2, 0, -2, 1][kind] + (x > 0.5 ? 1 : 0) + (missing ? 4 : 0))
        }
        var parameters = GradientBoostingParameters()
        parameters.rounds = 10
        parameters.maxDepth = 4
        parameters.minChildWeight = 30  // leaves at several depths
        let model = try GradientBoostedTrees.train(
            on: try Table(encoding: encoding, columns: columns, labels: labels), parameters: parameters)
        #expect(model.trees.contains { !$0.categorySplits.isEmpty })
        for code: Float in [0, 1, 2, 3, 4, 5, .nan] {
            for x: Float in [-1, 0.5, 0.6, 2, .nan] {
                Self.expectClose(try model.rawScores([code, x]), Self.referenceScores(model, [code, x]), "\(code), \(x)")
            }
        }
    }
}
