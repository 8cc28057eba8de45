import ArgumentParser
import LifelongLearning

/// The shape of the benchmark index, shared by `pipeline` and `make-store` so both measure
/// the same index.
struct BenchIndexOptions: ParsableArguments {
    @Option(help: "Task models in the index.") var tasks = 100
    @Option(help: "Boosting rounds of every model (one tree per class per round).") var rounds = 33
    @Option(help: "Maximum tree depth of every model.") var depth = 6
    @Option(help: "Training rows per task.") var rowsPerTask = 300
    @Option(help: "Scenario and training seed.") var seed: UInt64 = 42

    /// Every model's training parameters.
    var parameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = rounds
        parameters.maxDepth = depth
        parameters.seed = seed
        return parameters
    }

    /// Builds the index with `testRowsPerTask` test rows per task.
    func build(testRowsPerTask: Int) throws -> BenchIndex {
        try BenchIndex(tasks: tasks, rowsPerTask: rowsPerTask, testRowsPerTask: testRowsPerTask, parameters: parameters, seed: seed)
    }
}
