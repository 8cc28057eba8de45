import LifelongLearning

/// Trains one model on a table alone (the global model, and the baselines' models); task
/// models are built by ``TaskPriorTrainer``.
struct TaskModelTrainer: Sendable {
    let parameters: GradientBoostingParameters

    /// A model on `table` alone; nil when it has fewer than two classes or no rows.
    func trainOwn(_ table: Table, seed: UInt64) throws -> TrainedModel? {
        guard table.rowCount > 0, table.classCounts().filter({ $0 > 0 }).count >= 2 else { return nil }
        var parameters = parameters
        parameters.seed = seed
        let model = try LifelongError.wrapping("training a task model") {
            try GradientBoostedTrees.train(on: table, parameters: parameters)
        }
        return .gradientBoostedTrees(model)
    }
}
