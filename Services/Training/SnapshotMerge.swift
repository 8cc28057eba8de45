import LifelongCore
import LifelongProto

/// The snapshot a run publishes, before task mining recomputes its relations, groups and
/// detectors (``SnapshotMining``): the newest version as it is, with each accepted task's
/// record, route and assignment put in (replacing the task's old ones), and the run's global
/// model. A clustering run's plan goes in as it is: its allocator, and every task of it the
/// version lacks (a cluster whose model was skipped or rejected is served by the fallbacks).
/// Untouched tasks are carried over unchanged, so an untouched task keeps its model bit for bit.
enum SnapshotMerge {
    /// The empty index of a job's schema: the base of a job's first publication.
    static func empty(_ schema: JobSchema, clusters: Bool) -> Lifelong_V1_TaskIndexSnapshot {
        TaskIndex.empty(
            encoding: schema.encoding, attributeNames: schema.attributeNames, allocatorKind: clusters ? .clusters : .attributes
        ).snapshot()
    }

    /// The accepted one-task snapshots in the order they are merged: by task name.
    static func ordered(_ accepted: [Lifelong_V1_TaskIndexSnapshot]) -> [Lifelong_V1_TaskIndexSnapshot] {
        accepted.sorted { ($0.tasks.first?.name ?? "") < ($1.tasks.first?.name ?? "") }
    }

    /// - Parameters:
    ///   - base: The newest version (nil: the job has none; `empty` gives the schema's empty index).
    ///   - empty: The empty index of the job's schema.
    ///   - accepted: One-task snapshots of the accepted models.
    ///   - globalModel: The run's global model.
    ///   - plan: A clustering run's plan; nil for attribute tasks.
    ///   - nowUs: The time new tasks are created at.
    static func merge(
        base: Lifelong_V1_TaskIndexSnapshot?, empty: Lifelong_V1_TaskIndexSnapshot, accepted: [Lifelong_V1_TaskIndexSnapshot],
        globalModel: Lifelong_V1_ModelReference?, plan: Lifelong_V1_DefineTasksResponse? = nil, nowUs: Int64 = 0, job: String,
        note: String
    ) -> Lifelong_V1_TaskIndexSnapshot {
        var merged = base ?? empty
        var allocator = merged.allocator ?? empty.allocator ?? Lifelong_V1_TaskAllocator()
        for part in accepted {
            for task in part.tasks {
                if let index = merged.tasks.firstIndex(where: { $0.name == task.name }) {
                    merged.tasks[index] = task
                } else {
                    merged.tasks.append(task)
                }
            }
            for assignment in part.assignments {
                if let index = merged.assignments.firstIndex(where: { $0.taskName == assignment.taskName }) {
                    merged.assignments[index] = assignment
                } else {
                    merged.assignments.append(assignment)
                }
            }
            for route in part.allocator?.routes ?? [] where !allocator.routes.contains(where: { $0.taskName == route.taskName }) {
                allocator.routes.append(route)
            }
        }
        if let plan {
            allocator = plan.allocator ?? allocator
            for task in plan.tasks where !merged.tasks.contains(where: { $0.name == task.name }) {
                var record = task
                record.createdAtUs = nowUs
                record.updatedAtUs = nowUs
                merged.tasks.append(record)
            }
        }
        merged.allocator = allocator
        if let globalModel { merged.globalModel = globalModel }
        merged.jobId = job
        merged.baseVersion = base?.version ?? 0
        merged.version = 0
        merged.publishedAtUs = 0
        merged.status = .published
        merged.note = note
        return merged
    }
}
