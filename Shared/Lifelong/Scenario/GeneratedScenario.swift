public import FoundationEssentials
public import LifelongLearning

/// A seeded generator's output, whatever its kind: the rounds a lifelong learner sees and
/// what a report needs to describe them. `ThermalComfortScenario` and `ShopDemandScenario`
/// conform, so the benchmark and the CLI can run either.
public protocol GeneratedScenario: Sendable {
    /// Which generator made it.
    var kind: ScenarioKind { get }
    /// The attribute columns that define tasks, in task-key order.
    var attributeNames: [String] { get }
    /// The feature encoding every round shares (its label name and classes included).
    var encoding: FeatureEncoding { get }
    /// Round 0 (the initial data) and each following round.
    var rounds: [ScenarioRound] { get }
    /// Labelled training rows of each task that first appears after round 0.
    var newTaskSamplesPerTask: Int { get }
    /// One paragraph naming the seed, tasks, rows per task and rounds, for report headers.
    var summary: String { get }
    /// The Bayes classifier's answer for a row of a round's data: the most likely class given
    /// the generator's own noise-free function of the task, which no learner knows. Its
    /// accuracy is the ceiling any method can reach on that data (up to sampling); nil for a
    /// task the generator did not make.
    func bayesClass(features: [Float], attributes: [String], round: Int) -> Int?
    /// Fresh test rows of the given tasks (task keys, in that order), `samplesPerTask` each,
    /// labelled by their functions in `functionRound` and drawn from `seed` apart from the
    /// scenario's own rows: more test rows than a round holds, to measure finer than its own
    /// test set can.
    /// - Throws: `LifelongError` `.invalidParameter` for a task the generator did not make.
    func extraTest(tasks: [String], functionRound: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet
}

extension GeneratedScenario {
    /// Fresh test rows of the tasks new in `round` (`rounds[round].newTasks`), under their
    /// functions in that round (see ``extraTest(tasks:functionRound:samplesPerTask:seed:)``).
    public func extraTest(newTasksOfRound round: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try extraTest(tasks: rounds[round].newTasks, functionRound: round, samplesPerTask: samplesPerTask, seed: seed)
    }

    /// Fresh test rows like round `round`'s own test set: the same tasks (new and updated), the
    /// functions of that round.
    public func extraTest(likeRound round: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try extraTest(
            tasks: rounds[round].newTasks + rounds[round].updatedTasks, functionRound: round, samplesPerTask: samplesPerTask,
            seed: seed)
    }
}

/// The scenario generators.
public enum ScenarioKind: String, Sendable, Hashable, CaseIterable {
    /// `ThermalComfortScenario`: sites × seasons, numeric features, a smooth comfort boundary.
    case thermal
    /// `ShopDemandScenario`: shops (format × region), mixed features, interactions and drift.
    case shop
    /// `ThermalComfortScenario` with `taskSpread` 0: every site and season shares one comfort
    /// function and tasks differ only in their indoor conditions. Where tasks are alike, one
    /// model with every row is what per-task learning has to match.
    case thermalAlike = "thermal-alike"

    /// Whether the kind's tasks have functions of their own. Where they do, lifelong learning
    /// has to beat one model with every row (the bar: by a point); where they do not,
    /// to match it.
    public var tasksDiffer: Bool { self != .thermalAlike }

    /// The scenario of this kind with default parameters except the seed, the rounds and the
    /// labelled rows of each new task. Tasks (sites, shops) are drawn before any row, so two
    /// scenarios of one seed that differ only in `newTaskSamples` have the same tasks and the
    /// same initial data.
    /// - Parameters:
    ///   - seed: Seed of every draw.
    ///   - rounds: Rounds after the initial data; nil for the kind's default.
    ///   - newTaskSamples: Labelled training rows of each task new after round 0; nil for the
    ///     kind's default.
    /// - Throws: `LifelongError.invalidParameter` naming the parameter out of range.
    public func make(seed: UInt64, rounds: Int? = nil, newTaskSamples: Int? = nil) throws -> any GeneratedScenario {
        switch self {
        case .thermal, .thermalAlike:
            var parameters = ScenarioParameters()
            parameters.seed = seed
            if self == .thermalAlike { parameters.taskSpread = 0 }
            if let rounds { parameters.rounds = rounds }
            if let newTaskSamples { parameters.newSiteSamplesPerTask = newTaskSamples }
            return try ThermalComfortScenario(parameters: parameters)
        case .shop:
            var parameters = ShopDemandParameters()
            parameters.seed = seed
            if let newTaskSamples { parameters.newShopSamplesPerTask = newTaskSamples }
            if let rounds {
                // Fewer rounds than the default drift round: the drift comes in the last one.
                parameters.rounds = rounds
                parameters.driftRound = min(parameters.driftRound, rounds)
            }
            return try ShopDemandScenario(parameters: parameters)
        }
    }
}

extension GeneratedScenario {
    /// The label column's name.
    public var labelName: String { encoding.labelName }

    /// Writes every round as CSV (`initial.csv`, `initial-test.csv`, `round-N.csv`,
    /// `round-N-test.csv`) and `scenario.json` (kind, attribute and label columns, so scripts
    /// need not know the generator) into `folder`, creating it if needed.
    /// - Throws: The file system's error.
    public func writeFiles(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for round in rounds {
            try round.train.writeCSV(to: folder.appendingPathComponent("\(round.fileStem).csv"))
            try round.test.writeCSV(to: folder.appendingPathComponent("\(round.fileStem)-test.csv"))
        }
        let description = ScenarioDescription(
            kind: kind.rawValue, attributes: attributeNames, label: labelName, features: encoding.features.map(\.name))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(description)
        try data.write(to: folder.appendingPathComponent("scenario.json"), options: .atomic)
    }
}

/// `scenario.json`: what scripts need to read a scenario's files without knowing its generator.
private struct ScenarioDescription: Encodable {
    let kind: String
    let attributes: [String]
    let label: String
    let features: [String]
}
