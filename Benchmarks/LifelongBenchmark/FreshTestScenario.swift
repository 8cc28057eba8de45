import LifelongCore
import LifelongLearning

/// A scenario whose rounds after the first are tested on fresh rows instead of their own test
/// sets: `samplesPerTask` rows per task of the round (its new and updated tasks, under the
/// round's functions; `GeneratedScenario.extraTest(likeRound:samplesPerTask:seed:)`), drawn
/// apart from the scenario's rows. The training rows, and so every model, are the scenario's;
/// only the measurement is finer (`--fresh-test ROWS` of `write-csv`, `run` and `per-task`,
/// which therefore see the same rows). Round 0's test set stays: it is not in the matrix.
struct FreshTestScenario: GeneratedScenario {
    let base: any GeneratedScenario
    let samplesPerTask: Int
    let rounds: [ScenarioRound]

    init(_ base: any GeneratedScenario, samplesPerTask: Int, seed: UInt64) throws {
        self.base = base
        self.samplesPerTask = samplesPerTask
        rounds = try base.rounds.map { round in
            guard round.index > 0 else { return round }
            var fresh = round
            fresh.test = try Self.freshTest(of: base, round: round.index, samplesPerTask: samplesPerTask, seed: seed)
            return fresh
        }
    }

    /// A round's fresh test rows, from the scenario's seed.
    static func freshTest(of scenario: any GeneratedScenario, round: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try scenario.extraTest(likeRound: round, samplesPerTask: samplesPerTask, seed: seed ^ 0x7E57_0000 &+ UInt64(round))
    }

    var kind: ScenarioKind { base.kind }
    var attributeNames: [String] { base.attributeNames }
    var encoding: FeatureEncoding { base.encoding }
    var newTaskSamplesPerTask: Int { base.newTaskSamplesPerTask }
    var summary: String {
        base.summary + " Rounds after the first are tested on \(samplesPerTask) fresh rows per task instead of their own test sets."
    }

    func bayesClass(features: [Float], attributes: [String], round: Int) -> Int? {
        base.bayesClass(features: features, attributes: attributes, round: round)
    }

    func extraTest(tasks: [String], functionRound: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try base.extraTest(tasks: tasks, functionRound: functionRound, samplesPerTask: samplesPerTask, seed: seed)
    }
}
