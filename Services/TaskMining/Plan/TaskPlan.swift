import LifelongCore
import LifelongProto

/// A task plan: tasks, allocator, and what mining adds to them (relations, groups,
/// detectors), without models. It is held as a `TaskIndex` with no models, so the lifelong
/// core's snapshot conversions (`TaskIndex.snapshot`, `TaskIndex(snapshot:models:)`) read and
/// write its messages: a plan is exactly what a `TaskIndexSnapshot` carries, and Training and
/// the knowledge base store it as it is.
struct TaskPlan: Sendable {
    /// The plan as an index without models.
    var index: TaskIndex

    /// A plan of tasks just defined.
    /// - Throws: `LifelongError.corruptIndex` when the parts do not fit (a bug here).
    init(schema: MiningSchema, attributeNames: [String], tasks: [TaskRecord], allocator: TaskAllocator) throws {
        index = try TaskIndex(
            encoding: schema.encoding, attributeNames: attributeNames, tasks: tasks, groups: [], relations: [],
            allocator: allocator, detectors: [], assignments: [], models: [:], globalModel: nil)
    }

    /// The plan of a request: its tasks and allocator over its schema.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the field: no tasks, no
    ///   allocator, an allocator of another width or other attribute columns than the schema,
    ///   tasks without statistics of the schema's width, routes or centroids naming unknown
    ///   tasks, two tasks of one name.
    init(schema: MiningSchema, tasks: [Lifelong_V1_Task], allocator: Lifelong_V1_TaskAllocator?) throws {
        guard !tasks.isEmpty else { throw TaskMiningError.invalid("tasks", "is empty: give the tasks of DefineTasks") }
        guard let allocator else { throw TaskMiningError.invalid("allocator", "is missing: give the allocator of DefineTasks") }
        guard allocator.featureCount == Int32(schema.encoding.featureCount) else {
            throw TaskMiningError.invalid(
                "allocator.feature_count", "is \(allocator.featureCount); the schema has \(schema.encoding.featureCount) feature columns")
        }
        if allocator.kind == .attributes, allocator.attributeNames != schema.attributeNames {
            throw TaskMiningError.invalid(
                "allocator.attribute_names",
                "[\(allocator.attributeNames.joined(separator: ", "))] differ from the schema's attribute_names [\(schema.attributeNames.joined(separator: ", "))]")
        }
        var snapshot = Lifelong_V1_TaskIndexSnapshot()
        snapshot.schema = schema.encoding.schema(attributeNames: allocator.kind == .attributes ? schema.attributeNames : [])
        snapshot.tasks = tasks
        snapshot.allocator = allocator
        do {
            index = try TaskIndex(snapshot: snapshot, models: [:])
        } catch let error as LifelongError {
            throw TaskMiningError.invalid(error.field ?? "tasks", error.message, cause: error)
        }
    }

    /// The plan as a snapshot message (version 0, a draft), from which replies take their parts.
    var message: Lifelong_V1_TaskIndexSnapshot { index.snapshot() }
}
