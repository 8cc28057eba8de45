import LifelongCore
import LifelongProto

extension RunRequest {
    /// Checks the task plan a clustering request gives (``Lifelong_V1_TrainRequest/plan``):
    /// at least one task, each named once; a cluster allocator that decodes, whose features are
    /// the schema's, whose centroids select plan tasks and which selects every plan task.
    /// - Parameters:
    ///   - plan: The request's plan.
    ///   - clusters: Whether the spec defines tasks by clustering.
    ///   - schema: The spec's schema, when it gives one.
    /// - Throws: ``TrainingError`` INVALID_ARGUMENT naming the field (`plan.tasks[3].name`, …).
    static func checkPlan(_ plan: Lifelong_V1_DefineTasksResponse, clusters: Bool, schema: JobSchema?) throws {
        guard clusters else {
            throw TrainingError.invalid(
                "plan", "only a clustering run (spec.task_definition CLUSTERING) takes a plan; attribute runs define their tasks by attribute values")
        }
        guard !plan.tasks.isEmpty else { throw TrainingError.invalid("plan.tasks", "a plan needs at least one task") }
        var names = Set<String>()
        for (index, task) in plan.tasks.enumerated() {
            try identifier(task.name, field: "plan.tasks[\(index)].name")
            guard names.insert(task.name).inserted else {
                throw TrainingError.invalid("plan.tasks[\(index)].name", "'\(task.name)' names an earlier task too")
            }
        }
        guard let message = plan.allocator else { throw TrainingError.invalid("plan.allocator", "a plan needs its allocator") }
        guard message.kind == .clusters else { throw TrainingError.invalid("plan.allocator.kind", "must be CLUSTERS") }
        if let schema, message.featureCount != schema.encoding.featureCount {
            throw TrainingError.invalid(
                "plan.allocator.feature_count", "is \(message.featureCount); the schema has \(schema.encoding.featureCount) features")
        }
        do {
            _ = try TaskAllocator(message: message)
        } catch {
            throw TrainingError.invalid("plan.allocator", "\(error)")
        }
        for (index, centroid) in message.centroids.enumerated() where !names.contains(centroid.taskName) {
            throw TrainingError.invalid(
                "plan.allocator.centroids[\(index)].task_name", "'\(centroid.taskName)' is not a task of the plan")
        }
        let selected = Set(message.centroids.map(\.taskName))
        for (index, task) in plan.tasks.enumerated() where !selected.contains(task.name) {
            throw TrainingError.invalid("plan.tasks[\(index)].name", "no centroid of plan.allocator selects '\(task.name)'")
        }
    }
}
