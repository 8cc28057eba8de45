import Foundation
import LifelongCore
import LifelongLearning
import LifelongProto

/// What the planning unit left for one task's unit: the job's schema, the task's samples as
/// read when the round was planned, the prior, the prior's raw scores of the task's rows and
/// the attribute categories of every task.
struct PlanArtifacts: Sendable {
    var schema: JobSchema
    var rows: JobSamples.TaskRows
    var prior: GradientBoostedTrees
    var margins: [[Float]]?
    var categories: [CategoricalEncoding]

    /// Reads them.
    /// - Throws: ``TrainingError`` INTERNAL when the plan left no such artifacts.
    static func load(_ context: UnitContext, task: String) async throws -> PlanArtifacts {
        let store = context.store
        let run = context.runID
        guard let schemaBytes = try await store.artifact("schema", run: run),
            let priorBytes = try await store.artifact("prior", run: run),
            let sampleBytes = try await store.artifact("samples:\(task)", run: run),
            let categoryBytes = try await store.artifact("categories", run: run)
        else { throw TrainingError(.internalError, "the run's plan left no prior, schema or samples for task '\(task)'") }
        let schema = try JobSchema(try Lifelong_V1_FeatureSchema(serializedBytes: schemaBytes), field: "schema")
        let samples = try JobSamples(
            try Lifelong_V1_SampleBatch(serializedBytes: sampleBytes).samples, schema: schema,
            trainFraction: context.request.trainFraction, since: 0)
        guard let rows = samples.tasks[task] else { throw TrainingError(.internalError, "the plan's samples are not task '\(task)'s") }
        guard case .gradientBoostedTrees(let prior) = try StoredModel(bytes: priorBytes).model else {
            throw TrainingError(.internalError, "the run's prior is not a tree ensemble")
        }
        let taskAttributes = try JSONDecoder().decode([[String]].self, from: Data(categoryBytes))
        return PlanArtifacts(
            schema: schema, rows: rows, prior: prior,
            margins: try await store.artifact("margins:\(task)", run: run).map(MarginCodec.decode),
            categories: RoundTraining.categories(attributeNames: schema.attributeNames, taskAttributes: taskAttributes))
    }
}
