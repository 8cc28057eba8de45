import LifelongCore
import LifelongLearning

/// `lifelong-benchmark per-task [--method NAME]...`: chosen methods alone (default: lifelong) on
/// one scenario and seed, each task's accuracy side by side. For work on the learner: a full
/// `run` trains every baseline, the tuned one with a grid search per round. Prints each
/// update's correction rounds, then per task (small new tasks marked) every method's accuracy
/// on the rounds' test sets, then each method's average accuracy and small new tasks' mean (and,
/// for every method after the first, the first's margin over it with its paired standard error).
struct PerTask {
    let scenario: any GeneratedScenario
    let methods: [LifelongExperiment.Method]
    /// When set, every round is tested on this many fresh rows per task instead of its own
    /// test set (`GeneratedScenario.extraTest(likeRound:samplesPerTask:seed:)`): the same
    /// training, a finer measurement.
    var freshTestRows: Int? = nil
    var seed: UInt64 = 0

    func report() throws {
        let rounds = try scenario.rounds.dropFirst().map { round in
            let test = try freshTestRows.map {
                try FreshTestScenario.freshTest(of: scenario, round: round.index, samplesPerTask: $0, seed: seed)
            } ?? round.test
            return LifelongExperiment.Round(train: round.train, test: test)
        }
        let result = try LifelongExperiment(methods: methods).run(initial: scenario.rounds[0].train, rounds: rounds)
        let smallNewTasks = Set(scenario.rounds.dropFirst().flatMap(\.newTasks))
        for update in result.updates where !update.correctionRounds.isEmpty {
            let rounds = update.correctionRounds.sorted { $0.key < $1.key }.map { task, rounds in
                let scale = update.correctionScales[task] ?? 1
                let level = (update.levelShifts[task] ?? []).map { String(format: "%+.2f", $0) }.joined(separator: "/")
                return "\(task)=\(rounds)" + (rounds > 0 && scale < 1 ? "×\(Double((scale * 100).rounded()) / 100)" : "")
                    + (level.isEmpty ? "" : "@" + level)
            }
            let outdated = update.outdatedRowsDescriptions
            print(
                "update \(update.round): correction rounds " + rounds.joined(separator: " ")
                    + (outdated.isEmpty ? "" : "; earlier rows retired: " + outdated.joined(separator: ", ")))
            let borrowed = update.borrowedAttributes.sorted { $0.key < $1.key }.map { "\($0.key) towards \($0.value.joined(separator: "_"))" }
            if !borrowed.isEmpty { print("  starts hedged towards a neighbour (own and neighbour averaged): " + borrowed.joined(separator: ", ")) }
            if let prior = update.priorDescription { print("  prior: " + prior) }
        }
        let width = 24
        print("task".padding(toLength: width, withPad: " ", startingAt: 0) + result.methods.map { pad($0.name) }.joined())
        let tasks = Set(result.methods.flatMap(\.perTaskAccuracy.keys)).sorted()
        for task in tasks {
            let name = task + (smallNewTasks.contains(task) ? " *" : "")
            print(
                name.padding(toLength: width, withPad: " ", startingAt: 0)
                    + result.methods.map { pad(String(format: "%.4f", $0.perTaskAccuracy[task] ?? .nan)) }.joined())
        }
        print("(* small new task)")
        for method in result.methods {
            let small = mean(method.perTaskAccuracy.filter { smallNewTasks.contains($0.key) }.map(\.value))
            // Against the first method, row by row: the difference and its standard error in points.
            let paired = method.name == result.methods[0].name
                ? nil : LifelongMetrics.pairedAccuracyDifference(result.methods[0].finalCorrect, method.finalCorrect)
            print(
                "SUMMARY scenario=\(scenario.kind.rawValue) method=\(method.name)"
                    + String(format: " avg_acc=%.4f small_new_tasks_acc=%.4f bwt=%.4f", method.averageAccuracy, small,
                        method.backwardTransfer)
                    + (paired.map {
                        " \(result.methods[0].name)_minus_this_points=" + String(format: "%.2f", $0.difference * 100) + " se_points="
                            + String(format: "%.2f", $0.standardError * 100)
                    } ?? ""))
        }
    }

    private func pad(_ text: String) -> String { String(repeating: " ", count: max(1, 26 - text.count)) + text }
}
