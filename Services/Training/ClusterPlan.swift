import LifelongProto

/// A clustering run's task plan: tasks and the allocator that routes samples to them, as
/// TaskMining's DefineTasks gives them. The plan unit obtains it once and stores it with the
/// run (artifact `plan`); every later unit groups the job's samples by that stored plan, so
/// all of them see the same tasks.
///
/// A plan given in the request (checked by ``RunRequest``) is used as it is. Otherwise a base
/// snapshot whose tasks are clusters already has a plan: the run keeps it (new samples go to
/// their nearest cluster), so known clusters keep their names and untouched ones their models.
/// Only a first clustering round without a plan asks TaskMining to define tasks.
enum ClusterPlan {
    static let artifact = "plan"

    /// The plan unit's planner: the request's plan, else the base snapshot's, else a new one
    /// from TaskMining (clustering the job's training samples in the KB), stored with the run.
    static func obtain(_ context: UnitContext) -> RunInputs.Planner {
        { base, schema in
            var plan = Lifelong_V1_DefineTasksResponse()
            if let given = context.request.plan {
                plan = given
                await context.emit(.started, "using the plan given in the request: \(given.tasks.count) clusters")
            } else if let base, let allocator = base.allocator, allocator.kind == .clusters {
                plan.tasks = base.tasks
                plan.allocator = allocator
                await context.emit(.started, "keeping the \(base.tasks.count) clusters of version \(base.version)")
            } else {
                let request = context.request
                await context.emit(.started, "asking task mining to cluster the job's samples into tasks")
                plan = try await context.mining.clusteringPlan(
                    job: request.jobID, schema: schema.message, clusters: request.clusters ?? 0...0,
                    minTaskSamples: request.minTaskSamples, seed: request.configuration.seed, onWait: context.onWait)
                await context.emit(.started, "task mining defined \(plan.tasks.count) clusters")
            }
            try await context.store.putArtifact(artifact, run: context.runID, content: try plan.serializedBytes())
            return plan
        }
    }

    /// The planner of the units after the plan: the plan the run stored.
    static func stored(_ context: UnitContext) -> RunInputs.Planner {
        { _, _ in try await load(context) }
    }

    /// The plan the run stored.
    /// - Throws: ``TrainingError`` INTERNAL when the plan unit stored none (a bug).
    static func load(_ context: UnitContext) async throws -> Lifelong_V1_DefineTasksResponse {
        guard let bytes = try await context.store.artifact(artifact, run: context.runID) else {
            throw TrainingError(.internalError, "the run's plan unit stored no task plan")
        }
        return try Lifelong_V1_DefineTasksResponse(serializedBytes: bytes)
    }
}
