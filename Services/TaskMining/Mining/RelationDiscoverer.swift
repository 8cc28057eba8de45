import LifelongCore
import LifelongLearning
import LifelongProto

/// DiscoverRelations: for every ordered pair of tasks, the lifelong core's
/// `TaskRelationMiner` measures the data distance (Bhattacharyya, between the plan's task
/// statistics) and the cross accuracy (the lender's model on the borrower's held-out rows);
/// relations of positive weight and the groups they form are returned.
///
/// The service is stateless and has no task models, so it trains one per task on that task's
/// rows of the request, the learner's way: a task with at least `minHeldOutRows` rows holds
/// out `heldOutFraction` of them (stratified, seeded), which the other tasks' models are
/// measured on; a task whose rows have a single class lends nothing (it has no model) but
/// still borrows.
struct RelationDiscoverer: Sendable {
    /// Model parameters, held-out share and seed.
    let configuration: TaskMiningConfiguration

    /// The relations and groups of the plan's tasks on the labelled rows.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT when no row belongs to a task of the
    ///   plan; `LifelongError.learning` when training fails.
    func discover(_ data: LabelledSet, plan: TaskPlan) throws -> Lifelong_V1_DiscoverRelationsResponse {
        let rows = try PlanRows(data, plan: plan)
        guard !rows.byTask.isEmpty else {
            throw TaskMiningError.invalid("source", "no sample belongs to a task of the plan (by its allocator)")
        }
        var measured: [(task: TaskRecord, rows: Table)] = []
        var lenders: [(name: String, statistics: FeatureStatistics, model: StoredModel)] = []
        for (offset, task) in plan.index.tasks.enumerated() {
            guard let taskRows = rows.byTask[task.name] else { continue }
            let seed = configuration.seed &+ UInt64(offset)
            let (train, heldOut) = split(data.table.selecting(rows: taskRows), seed: seed)
            measured.append((task, heldOut ?? train))
            if let model = try model(on: train, seed: seed) {
                lenders.append((task.name, task.statistics, model))
            }
        }
        let miner = TaskRelationMiner()
        let scale = plan.index.allocator.standardizer.stddev
        var relations: [TaskRelation] = []
        for (task, rows) in measured {
            relations += try miner.relations(to: task.name, rows: rows, statistics: task.statistics, lenders: lenders, scale: scale)
        }
        var result = plan
        result.index.relations = relations.filter { $0.weight > 0 }
        result.index.groups = miner.groups(tasks: plan.index.tasks.map(\.name), relations: result.index.relations)
        let message = result.message
        var response = Lifelong_V1_DiscoverRelationsResponse()
        response.relations = message.relations
        response.groups = message.groups
        return response
    }

    /// The training part and the held-out part (nil when the rows are too few to split).
    private func split(_ table: Table, seed: UInt64) -> (train: Table, heldOut: Table?) {
        guard table.rowCount >= configuration.minHeldOutRows,
              let split = try? table.split(evalFraction: configuration.heldOutFraction, seed: seed)
        else { return (table, nil) }
        return (split.train, split.eval)
    }

    /// A task's own model; nil when its rows hold fewer than two classes.
    private func model(on table: Table, seed: UInt64) throws -> StoredModel? {
        guard Set(table.labels).count >= 2 else { return nil }
        var parameters = configuration.relationModel
        parameters.seed = seed
        do {
            return try StoredModel(.gradientBoostedTrees(GradientBoostedTrees.train(on: table, parameters: parameters)))
        } catch let error as LifelongError {
            throw error
        } catch {
            throw LifelongError(.learning, "training a task model to measure relations: \(error)", cause: error)
        }
    }
}
