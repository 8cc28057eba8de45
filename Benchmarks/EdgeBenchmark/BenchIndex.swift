import LifelongCore
import LifelongLearning

/// A task index whose task models all have one shape, for serving benchmarks.
///
/// The lifelong learner builds the tasks, allocator and detectors of a generated
/// thermal-comfort scenario (one task per site × season). Then every task's model, and the
/// global model, is replaced by plain gradient-boosted trees trained on the task's own training
/// rows (the global model: on every row) with `parameters`, so that each has exactly
/// `rounds × classes` trees of depth ≤ `maxDepth` — the shape an XGBoost model trained with
/// the same parameters has. Fallbacks are dropped: every task answers with its own model.
struct BenchIndex {
    /// The index as the edge serves it.
    let index: TaskIndex
    /// The scenario it was learned from (its test rows are the requests).
    let scenario: ThermalComfortScenario
    /// The learner, for each task's training rows.
    let learner: LifelongLearner

    /// Learns the scenario of `tasks` tasks and gives every task a model of `parameters`.
    /// - Parameters:
    ///   - tasks: Tasks (sites × 2 seasons when even, else sites × 1 season).
    ///   - rowsPerTask: Training rows per task.
    ///   - testRowsPerTask: Test rows per task.
    ///   - parameters: Rounds, depth and the rest of every model's training.
    ///   - seed: Scenario seed.
    /// - Throws: What the scenario, the learner or training throws.
    init(tasks: Int, rowsPerTask: Int, testRowsPerTask: Int, parameters: GradientBoostingParameters, seed: UInt64) throws {
        var scenarioParameters = ScenarioParameters()
        scenarioParameters.seed = seed
        scenarioParameters.seasons = tasks % 2 == 0 ? 2 : 1
        scenarioParameters.initialSites = tasks / scenarioParameters.seasons
        scenarioParameters.rounds = 0
        scenarioParameters.initialSamplesPerTask = rowsPerTask
        scenarioParameters.testSamplesPerTask = testRowsPerTask
        scenario = try ThermalComfortScenario(parameters: scenarioParameters)
        var configuration = LifelongConfiguration()
        configuration.tunesPrior = false
        var learner = try LifelongLearner(configuration: configuration)
        let rows = scenario.rounds[0].train
        try learner.update(with: rows, timeUs: 1)
        guard let learned = learner.index else { throw LifelongError(.emptyData, "the learner built no index") }

        func model(_ table: Table) throws -> StoredModel {
            try StoredModel(.gradientBoostedTrees(try GradientBoostedTrees.train(on: table, parameters: parameters)))
        }
        var models: [String: StoredModel] = [:]
        var assignments: [TaskModelAssignment] = []
        for task in learned.tasks {
            guard let own = learner.trainingRows(of: task.name) else {
                throw LifelongError(.emptyData, "task \(task.name) has no training rows")
            }
            let trained = try model(own.table)
            models[trained.digest] = trained
            assignments.append(TaskModelAssignment(task: task.name, model: trained.digest, fallbacks: []))
        }
        let global = try model(rows.table)
        models[global.digest] = global
        index = try TaskIndex(
            encoding: learned.encoding, attributeNames: learned.attributeNames, tasks: learned.tasks, groups: learned.groups,
            relations: learned.relations, allocator: learned.allocator, detectors: learned.detectors,
            assignments: assignments, models: models, globalModel: global.digest)
        self.learner = learner
    }

    /// Trees of each model (rounds × classes for softmax), the distinct counts found.
    var treeCounts: Set<Int> {
        Set(index.models.values.compactMap { stored -> Int? in
            if case .gradientBoostedTrees(let trees) = stored.model { return trees.trees.count }
            return nil
        })
    }
}
