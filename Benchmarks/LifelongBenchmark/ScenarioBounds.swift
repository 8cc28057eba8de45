import LifelongCore
import LifelongLearning

/// What no method can beat on a generated scenario, so a target can be read against it.
enum ScenarioBounds {
    /// The Bayes classifier's accuracy on every round's test set after round 0 (pooled, as the
    /// methods' average accuracy) and its mean over `smallNewTasks`: it answers each row with
    /// the class the generator's own noise-free function makes most likely. Label noise and
    /// the score's noise keep it below 1; no learner can exceed it beyond sampling error.
    static func bayesAccuracy(_ scenario: any GeneratedScenario, smallNewTasks: Set<String>) -> (all: Double, smallNew: Double) {
        var correct = 0, total = 0
        var perTask: [String: (correct: Int, total: Int)] = [:]
        for round in scenario.rounds.dropFirst() {
            let test = round.test
            for row in 0..<test.rowCount {
                let answer = scenario.bayesClass(features: test.table.features(ofRow: row), attributes: test.attributes[row], round: round.index)
                let hit = answer == Int(test.table.labels[row]) ? 1 : 0
                correct += hit
                total += 1
                perTask[test.attributeKey(ofRow: row), default: (0, 0)].correct += hit
                perTask[test.attributeKey(ofRow: row), default: (0, 0)].total += 1
            }
        }
        let small = perTask.filter { smallNewTasks.contains($0.key) }.map { Double($0.value.correct) / Double($0.value.total) }
        return (Double(correct) / Double(max(total, 1)), mean(small))
    }

    /// How well a detector that sees only the features could ever tell a round's rows of new
    /// tasks from rows of known tasks: a GBDT is *shown* both (which no detector is) and
    /// scores held-out rows, 2-fold cross-fitted per round (alternate rows). Positives are each round's rows of
    /// new tasks, negatives every training row of the tasks known before that round. Where its
    /// ROC area is near 0.5, the new tasks' feature distribution is the known tasks', and
    /// recall at a low false-positive rate is out of reach for any feature-only detector.
    static func featureSeparability(_ scenario: any GeneratedScenario, seed: UInt64) throws -> DetectionQuality {
        var quality = DetectionQuality()
        var known = scenario.rounds[0].train
        for round in scenario.rounds.dropFirst() {
            let newTasks = Set(round.newTasks)
            let fresh = round.train.selecting(rows: (0..<round.train.rowCount).filter { newTasks.contains(round.train.attributeKey(ofRow: $0)) })
            let table = try separationTable(known: known.table, new: fresh.table)
            // Rows are independent draws grouped by task: alternate rows give two folds with every task in both.
            let even = (0..<table.rowCount).filter { $0 % 2 == 0 }, odd = (0..<table.rowCount).filter { $0 % 2 == 1 }
            for fold in [(kept: even, held: odd), (kept: odd, held: even)] {
                var parameters = GradientBoostingParameters()
                parameters.maxDepth = 4
                parameters.rounds = 100
                parameters.learningRate = 0.1
                parameters.seed = seed
                let model = try GradientBoostedTrees.train(on: table.selecting(rows: fold.kept), parameters: parameters)
                let held = table.selecting(rows: fold.held)
                let outputs = try model.predict(table: held)
                let width = model.outputCount
                for row in 0..<held.rowCount {
                    let score = Double(outputs[row * width + width - 1])
                    quality.record(flagged: score > 0.5, unseen: held.labels[row] == 1, score: score)
                }
            }
            known = try known.appending(round.train)
        }
        return quality
    }

    /// Known rows labelled 0 and new rows labelled 1, over the scenario's features.
    private static func separationTable(known: Table, new: Table) throws -> Table {
        let encoding = FeatureEncoding(
            features: known.encoding.features, labelName: "new_task",
            label: .classification(classes: try CategoricalEncoding(categories: ["known", "new"])))
        return try Table(
            encoding: encoding, columns: zip(known.columns, new.columns).map { $0 + $1 },
            labels: [Float](repeating: 0, count: known.rowCount) + [Float](repeating: 1, count: new.rowCount))
    }
}
