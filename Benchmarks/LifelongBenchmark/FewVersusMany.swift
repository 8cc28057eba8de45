import LifelongCore
import LifelongLearning

/// The few-rows target: a new task learned from `few` labelled rows against the same
/// task learned from `many`. One scenario of one round is drawn with `many` rows per new task;
/// the few-rows run keeps the first `few` of each new task's rows (the rows are independent
/// draws, so the first are a fair sample) and every other row as it is. Both learners see the
/// same initial data; accuracy is per new task on the round's test rows.
struct FewVersusMany {
    /// One new task's accuracy after each run.
    struct TaskResult {
        var task: String
        var fewAccuracy: Double
        var manyAccuracy: Double
    }

    let kind: ScenarioKind
    let seed: UInt64
    let few: Int
    let many: Int

    func run() throws -> [TaskResult] {
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
        return try round.newTasks.map { task in
            let test = round.test.selecting(rows: (0..<round.test.rowCount).filter { round.test.attributeKey(ofRow: $0) == task })
            return TaskResult(task: task, fewAccuracy: try fewIndex.accuracy(on: test), manyAccuracy: try manyIndex.accuracy(on: test))
        }
    }

    /// Prints the per-task table and a `SUMMARY` line with the ratio of mean accuracies.
    func report(_ results: [TaskResult]) {
        print("new tasks of one round, learned from \(few) labelled rows vs \(many) (scenario \(kind.rawValue), seed \(seed))")
        for result in results {
            print(
                "  " + result.task.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(format: "  %d rows %.4f   %d rows %.4f   ratio %.3f", few, result.fewAccuracy, many,
                        result.manyAccuracy, result.fewAccuracy / result.manyAccuracy))
        }
        let fewMean = mean(results.map(\.fewAccuracy)), manyMean = mean(results.map(\.manyAccuracy))
        let worst = results.map { $0.fewAccuracy / $0.manyAccuracy }.min() ?? .nan
        print(String(format: "mean: %d rows %.4f, %d rows %.4f, ratio %.3f (target >= 0.9), worst task %.3f", few, fewMean, many, manyMean, fewMean / manyMean, worst))
        print(
            "SUMMARY scenario=\(kind.rawValue) seed=\(seed) few=\(few) many=\(many)"
                + String(format: " few_acc=%.4f many_acc=%.4f few_over_many=%.4f worst_task_few_over_many=%.4f", fewMean, manyMean, fewMean / manyMean, worst))
    }
}
