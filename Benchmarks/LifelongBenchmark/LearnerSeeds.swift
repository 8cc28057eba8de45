import Foundation
import LifelongCore
import LifelongLearning

/// `lifelong-benchmark learner-seeds [--first-seed S] [--count K]`: how much of lifelong's and the
/// baselines' average accuracy on one scenario and seed is their own chance. The learner is run
/// `count` times with configuration seeds S..<S+K (row sampling, folds and splits change; the data
/// do not), each through every round as `run` does, and each final index is scored on every
/// round's test rows pooled (`run`'s average accuracy; seed 0 is `run`'s learner). With each seed,
/// every Swift baseline is trained as `run` trains its final models (on every round's rows, with
/// that seed: its row sampling and, for the tuned ones, its grid search's folds) and scored on the
/// same rows, so a baseline's figure can be averaged over the same seeds as the learner's. Prints
/// each seed's accuracies, lifelong's mean and spread, and for reference the accuracy of the
/// seeds' averaged class probabilities (an ensemble the system does not serve).
struct LearnerSeeds {
    let scenario: any GeneratedScenario
    /// The scenario's seed (for the report).
    let scenarioSeed: UInt64
    let seeds: Range<UInt64>

    /// The baselines trained with every seed: `run`'s own (XGBoost's rows come from a script with
    /// a fixed seed and stay as `run` reports them).
    private static let baselines = LifelongExperiment.Method.allCases.filter(\.isBaseline)

    /// One seed's figures: lifelong's average accuracy and predicted probabilities per test row,
    /// and each baseline's average accuracy (``baselines`` order).
    private func learn(seed: UInt64, test: LabelledSet) throws -> (
        accuracy: Double, probabilities: [[Float]], baselines: [Double]
    ) {
        var configuration = LifelongConfiguration()
        configuration.seed = seed
        var learner = try LifelongLearner(configuration: configuration)
        for (number, round) in scenario.rounds.enumerated() {
            _ = try learner.update(with: round.train, timeUs: Int64(number))
        }
        guard let index = learner.index, let seen = try learner.learnedRows() else {
            throw LifelongError(.emptyData, "the learner has no index after the rounds")
        }
        let labels = test.table.classLabels
        func accuracy(_ classes: [Int]) -> Double {
            Double(zip(classes, labels).filter { $0 == $1 }.count) / Double(test.rowCount)
        }
        let predictions = try index.predict(test)
        let baselines = try LifelongExperiment(configuration: configuration, methods: Self.baselines)
            .finalClasses(of: Self.baselines, seen: seen, index: index, searched: learner.searchedPriorParameters, test: test)
        return (accuracy(predictions.map(\.predictedClass)), predictions.map(\.probabilities), baselines.map(accuracy))
    }

    func report() throws {
        var test = scenario.rounds[1].test
        for round in scenario.rounds.dropFirst(2) { test = try test.appending(round.test) }
        var accuracies: [Double] = []
        var baselineAccuracies = Self.baselines.map { _ in [Double]() }
        var summed = [[Float]](repeating: [], count: test.rowCount)
        for seed in seeds {
            let (accuracy, probabilities, baselines) = try learn(seed: seed, test: test)
            accuracies.append(accuracy)
            for (method, value) in baselines.enumerated() { baselineAccuracies[method].append(value) }
            for (row, values) in probabilities.enumerated() {
                summed[row] = summed[row].isEmpty ? values : zip(summed[row], values).map(+)
            }
            print(
                String(format: "learner seed %d: lifelong avg acc %.4f; ", seed, accuracy)
                    + zip(Self.baselines, baselines).map { "\($0.rawValue) " + String(format: "%.4f", $1) }.joined(separator: ", "))
        }
        let ensembleCorrect = zip(summed, test.table.labels).filter { scores, label in
            scores.indices.max { scores[$0] < scores[$1] } == Int(label)
        }.count
        let ensemble = Double(ensembleCorrect) / Double(test.rowCount)
        let average = mean(accuracies)
        let spread = accuracies.count > 1
            ? (accuracies.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(accuracies.count - 1)).squareRoot() : 0
        print(
            String(
                format: "over %d learner seeds: mean %.4f, sd %.4f, min %.4f, max %.4f; their averaged probabilities %.4f",
                seeds.count, average, spread, accuracies.min() ?? .nan, accuracies.max() ?? .nan, ensemble))
        var summary = [
            "scenario=\(scenario.kind.rawValue)", "seed=\(scenarioSeed)", "learner_seeds=\(seeds.lowerBound)..<\(seeds.upperBound)",
            "lifelong_avg_acc_by_learner_seed=" + bySeed(accuracies),
            String(format: "lifelong_avg_acc_over_learner_seeds=%.4f", average),
            String(format: "lifelong_avg_acc_learner_seed_sd=%.4f", spread),
            String(format: "lifelong_avg_acc_learner_seed_min=%.4f", accuracies.min() ?? .nan),
            String(format: "learner_seed_ensemble_avg_acc=%.4f", ensemble),
        ]
        for (method, values) in zip(Self.baselines, baselineAccuracies) {
            // Keyed as `run`'s SUMMARY keys its methods (main.swift's `key`).
            summary.append("\(key(method.rawValue))_avg_acc_by_learner_seed=" + bySeed(values))
        }
        print("SUMMARY " + summary.joined(separator: " "))
    }

    /// Figures per seed as `seed:value,...`.
    private func bySeed(_ values: [Double]) -> String {
        zip(seeds, values).map { "\($0):" + String(format: "%.4f", $1) }.joined(separator: ",")
    }
}
