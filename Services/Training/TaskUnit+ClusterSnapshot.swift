import LifelongCore
import LifelongProto

extension TaskUnit {
    /// A clustering run's task alone as a snapshot: the plan's record of the task as it is
    /// (statistics and count of the cluster, its group left to the publication), its times,
    /// the plan's allocator and the task's assignment (none without a model). The publication merges it.
    /// - Throws: ``TrainingError`` INTERNAL when the plan has no such task (a bug).
    static func clusterTaskSnapshot(
        _ task: String, inputs: RunInputs, plan: Lifelong_V1_DefineTasksResponse, model: StoredModel?
    ) throws -> Lifelong_V1_TaskIndexSnapshot {
        guard var record = inputs.planTask(task) else {
            throw TrainingError(.internalError, "task '\(task)' is not in the run's plan")
        }
        let now = Clock.nowUs()
        let known = inputs.base?.tasks.first { $0.name == task }
        record.createdAtUs = known?.createdAtUs ?? now
        record.updatedAtUs = now
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        snapshot.schema = inputs.schema.message
        snapshot.tasks = [record]
        snapshot.allocator = plan.allocator
        if let model {
            var reference = Lifelong_V1_ModelReference()
            reference.sha256 = model.digest
            reference.sizeBytes = Int64(model.bytes.count)
            var assignment = Lifelong_V1_TaskModelAssignment()
            assignment.taskName = task
            assignment.model = reference
            snapshot.assignments = [assignment]
        }
        return snapshot
    }
}
