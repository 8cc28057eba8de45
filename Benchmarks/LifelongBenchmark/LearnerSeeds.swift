import Foundation
import LifelongCore
import LifelongLearning

/// `lifelong-benchmark learner-seeds [--first-seed S] [--count K]`: how much of lifelong's average
/// accuracy on one scenario and seed is the learner's own chance. The learner is run `count` times
/// with configuration seeds S..<S+K (row sampling, folds and splits change; the data do not), each
/// through every round as `run` does, and each final index is scored on every round's test rows
/// pooled (`run`'s average accuracy; seed 0 is `run`'s learner). Prints each seed's accuracy,
/// their mean and spread, and for reference the accuracy of the seeds' averaged class
/// probabilities (an ensemble the system does not serve).
struct LearnerSeeds {
    let scenario: any GeneratedScenario
    /// The scenario's seed (for the report).
    let scenarioSeed: UInt64
    let seeds: Range<UInt64>

    /// One seed's average accuracy and its predicted probabilities per test row.
    private func learn(seed: UInt64, test: LabelledSet) throws -> (accuracy: Double, probabilities: [[Float]]) {
        var configuration = LifelongConfiguration()
        configuration.seed = seed
        var learner = try LifelongLearner(configuration: configuration)
        for (number, round) in scenario.rounds.enumerated() { _ = try learner.update(with: round.train, timeUs: Int64(number)) }
        guard let index = learner.index else { throw LifelongError(.emptyData, "the learner has no index after the rounds") }
        let predictions = try index.predict(test)
        let correct = zip(predictions, test.table.labels).filter { $0.0.predictedClass == Int($0.1) }.count
        return (Double(correct) / Double(test.rowCount), predictions.map(\.probabilities))
    }

    func report() throws {
        var test = scenario.rounds[1].test
        for round in scenario.rounds.dropFirst(2) { test = try test.appending(round.test) }
        var accuracies: [Double] = []
        var summed = [[Float]](repeating: [], count: test.rowCount)
        for seed in seeds {
            let (accuracy, probabilities) = try learn(seed: seed, test: test)
            accuracies.append(accuracy)
            for (row, values) in probabilities.enumerated() {
                summed[row] = summed[row].isEmpty ? values : zip(summed[row], values).map(+)
            }
            print(String(format: "learner seed %d: lifelong avg acc %.4f", seed, accuracy))
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
        print(
            "SUMMARY scenario=\(scenario.kind.rawValue) seed=\(scenarioSeed) learner_seeds=\(seeds.lowerBound)..<\(seeds.upperBound)"
                + " lifelong_avg_acc_by_learner_seed="
                + zip(seeds, accuracies).map { "\($0):" + String(format: "%.4f", $1) }.joined(separator: ",")
                + String(
                    format: " lifelong_avg_acc_over_learner_seeds=%.4f lifelong_avg_acc_learner_seed_sd=%.4f"
                        + " lifelong_avg_acc_learner_seed_min=%.4f learner_seed_ensemble_avg_acc=%.4f",
                    average, spread, accuracies.min() ?? .nan, ensemble))
    }
}
