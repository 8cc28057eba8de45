import LifelongCore
import LifelongLearning

/// The few-rows target: a new task learned from `few` labelled rows against the same
/// task learned from `many`. One scenario of one round is drawn with `many` rows per new task;
/// the few-rows run keeps the first `few` of each new task's rows (the rows are independent
/// draws, so the first are a fair sample) and every other row as it is. Both learners see the
/// same initial data. Accuracy is per new task, on the round's own test rows and on
/// `freshRows` more test rows per task drawn apart from the scenario
/// (`GeneratedScenario.extraTest(newTasksOfRound:samplesPerTask:seed:)`): with a few hundred
/// test rows the ratio is known to about ±0.03, with thousands to about ±0.01.
struct FewVersusMany {
    /// One new task's answers after each run, on one test set.
    struct TaskResult {
        var task: String
        /// Per test row of the task, whether each run's answer was right.
        var fewCorrect: [Bool]
        var manyCorrect: [Bool]

        var fewAccuracy: Double { Self.accuracy(fewCorrect) }
        var manyAccuracy: Double { Self.accuracy(manyCorrect) }

        static func accuracy(_ correct: [Bool]) -> Double { Double(correct.filter { $0 }.count) / Double(max(correct.count, 1)) }
    }

    /// Both test sets' results.
    struct Results {
        /// On the round's own test rows.
        var roundTest: [TaskResult]
        /// On the fresh test rows.
        var fresh: [TaskResult]
    }

    let kind: ScenarioKind
    let seed: UInt64
    let few: Int
    let many: Int
    /// Fresh test rows per new task.
    var freshRows = 2000

    func run() throws -> Results {
        let scenario = try kind.make(seed: seed, rounds: 1, newTaskSamples: many)
        let initial = scenario.rounds[0].train
        let round = scenario.rounds[1]
        let newTasks = Set(round.newTasks)
        var kept: [String: Int] = [:]
        let fewRows = (0..<round.train.rowCount).filter { row in
            let task = round.train.attributeKey(ofRow: row)
            guard newTasks.contains(task) else { return true }
            kept[task, default: 0] += 1
            return kept[task]! <= few
        }
        // Both runs continue one learner that has seen the initial data (a value: copied).
        var start = try LifelongLearner(configuration: LifelongConfiguration())
        _ = try start.update(with: initial, timeUs: 0)
        func index(after rows: LabelledSet) throws -> TaskIndex {
            var learner = start
            _ = try learner.update(with: rows, timeUs: 1)
            return learner.index!
        }
        let fewIndex = try index(after: round.train.selecting(rows: fewRows))
        let manyIndex = try index(after: round.train)
        func results(on test: LabelledSet) throws -> [TaskResult] {
            try round.newTasks.map { task in
                let rows = test.selecting(rows: (0..<test.rowCount).filter { test.attributeKey(ofRow: $0) == task })
                return TaskResult(task: task, fewCorrect: try fewIndex.correctness(on: rows), manyCorrect: try manyIndex.correctness(on: rows))
            }
        }
        let fresh = try scenario.extraTest(newTasksOfRound: 1, samplesPerTask: freshRows, seed: seed ^ 0xF4E5_7E57)
        return Results(roundTest: try results(on: round.test), fresh: try results(on: fresh))
    }

    /// The ratio of mean accuracies and its standard error over the test rows, both runs
    /// answering the same rows (the tasks have equally many test rows, so the pooled ratio is
    /// the ratio of the task means).
    static func ratio(_ results: [TaskResult]) -> (few: Double, many: Double, ratio: Double, standardError: Double, worst: Double) {
        let few = mean(results.map(\.fewAccuracy)), many = mean(results.map(\.manyAccuracy))
        let standardError = LifelongMetrics.pairedAccuracyRatio(
            results.flatMap(\.fewCorrect), results.flatMap(\.manyCorrect))?.standardError ?? .nan
        let worst = results.map { $0.fewAccuracy / $0.manyAccuracy }.min() ?? .nan
        return (few, many, few / many, standardError, worst)
    }

    /// Prints the per-task table on both test sets and a `SUMMARY` line: `few_over_many` and its
    /// standard error on the fresh rows, `round_test_few_over_many` on the round's own.
    func report(_ results: Results) {
        print("new tasks of one round, learned from \(few) labelled rows vs \(many) (scenario \(kind.rawValue), seed \(seed))")
        var summary = "SUMMARY scenario=\(kind.rawValue) seed=\(seed) few=\(few) many=\(many) fresh_test_rows_per_task=\(freshRows)"
        for (name, set, prefix) in [("the round's test rows", results.roundTest, "round_test_"), ("\(freshRows) fresh test rows per task", results.fresh, "")] {
            print(" on \(name):")
            for result in set {
                print(
                    "  " + result.task.padding(toLength: 24, withPad: " ", startingAt: 0)
                        + String(format: "  %d rows %.4f   %d rows %.4f   ratio %.3f", few, result.fewAccuracy, many,
                            result.manyAccuracy, result.fewAccuracy / result.manyAccuracy))
            }
            let r = Self.ratio(set)
            print(String(
                format: "  mean: %d rows %.4f, %d rows %.4f, ratio %.3f ± %.3f (standard error over the test rows; target >= 0.9), worst task %.3f",
                few, r.few, many, r.many, r.ratio, r.standardError, r.worst))
            for (key, value) in [
                ("few_acc", r.few), ("many_acc", r.many), ("few_over_many", r.ratio), ("few_over_many_se", r.standardError),
                ("worst_task_few_over_many", r.worst),
            ] {
                summary += " \(prefix)\(key)=" + String(format: "%.4f", value)
            }
        }
        print(summary)
    }
}
