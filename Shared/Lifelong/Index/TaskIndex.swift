public import LifelongLearning

/// Everything needed to route a sample to a task model and to notice that it belongs to no
/// known task, as one value: tasks, groups, relations, the allocator, the detectors, the
/// task → model assignments and the models themselves (content-addressed).
///
/// `snapshot(...)` encodes it as `lifelong.v1.TaskIndexSnapshot` (models by reference) and
/// `init(snapshot:models:)` rebuilds it from a snapshot and the model bytes.
public struct TaskIndex: Sendable {
    /// The model input columns (attributes excluded) and the label.
    public var encoding: FeatureEncoding
    /// The attribute columns (task keys); empty for cluster tasks.
    public var attributeNames: [String]
    /// All tasks, sorted by name.
    public var tasks: [TaskRecord]
    /// Task groups.
    public var groups: [TaskGroupRecord]
    /// Relations between tasks (only those with a positive weight).
    public var relations: [TaskRelation]
    /// Sample → task.
    public var allocator: TaskAllocator
    /// The detectors, one per kind.
    public var detectors: [UnseenTaskDetector]
    /// Task → model, sorted by task.
    public var assignments: [TaskModelAssignment]
    /// Models by digest.
    public var models: [String: StoredModel]
    /// Digest of the model trained on every task's rows, used when no task applies.
    public var globalModel: String?

    /// Creates an index from its parts.
    /// - Throws: `LifelongError.corruptIndex` when an assignment names an unknown task, or
    ///   `.missingModel` when a referenced model is absent.
    public init(
        encoding: FeatureEncoding, attributeNames: [String], tasks: [TaskRecord], groups: [TaskGroupRecord],
        relations: [TaskRelation], allocator: TaskAllocator, detectors: [UnseenTaskDetector],
        assignments: [TaskModelAssignment], models: [String: StoredModel], globalModel: String?
    ) throws {
        self.encoding = encoding
        self.attributeNames = attributeNames
        self.tasks = tasks
        self.groups = groups
        self.relations = relations
        self.allocator = allocator
        self.detectors = detectors
        self.assignments = assignments
        self.models = models
        self.globalModel = globalModel
        try validate()
    }

    /// An index without tasks or models.
    public static func empty(encoding: FeatureEncoding, attributeNames: [String], allocatorKind: TaskAllocator.Kind) -> TaskIndex {
        let statistics = FeatureStatistics(
            count: 0, mean: .init(repeating: 0, count: encoding.featureCount),
            stddev: .init(repeating: 1, count: encoding.featureCount), min: .init(repeating: 0, count: encoding.featureCount),
            max: .init(repeating: 0, count: encoding.featureCount))
        // Empty parts are consistent by construction.
        return TaskIndex(
            unchecked: encoding, attributeNames: attributeNames,
            allocator: TaskAllocator(
                kind: allocatorKind, attributeNames: attributeNames, routes: [], standardizer: statistics, centroids: [],
                featureCount: encoding.featureCount))
    }

    private init(unchecked encoding: FeatureEncoding, attributeNames: [String], allocator: TaskAllocator) {
        self.encoding = encoding
        self.attributeNames = attributeNames
        tasks = []
        groups = []
        relations = []
        self.allocator = allocator
        detectors = []
        assignments = []
        models = [:]
        globalModel = nil
    }

    /// Checks references: assignments, routes, centroids and relations name known tasks;
    /// every referenced model is present.
    /// - Throws: `LifelongError.corruptIndex` or `.missingModel`.
    public func validate() throws {
        let names = Set(tasks.map(\.name))
        guard names.count == tasks.count else { throw LifelongError(.corruptIndex, "two tasks share a name", field: "tasks") }
        for assignment in assignments {
            guard names.contains(assignment.task) else {
                throw LifelongError(.corruptIndex, "an assignment names unknown task '\(assignment.task)'", field: "assignments")
            }
            for digest in ([assignment.model].compactMap { $0 } + assignment.fallbacks.map(\.digest)) where models[digest] == nil {
                throw LifelongError(
                    .missingModel, "task '\(assignment.task)' needs model \(digest), which the index does not hold",
                    field: "models")
            }
        }
        if let globalModel, models[globalModel] == nil {
            throw LifelongError(.missingModel, "the global model \(globalModel) is missing", field: "global_model")
        }
        for route in allocator.routes where !names.contains(route.task) {
            throw LifelongError(.corruptIndex, "a route names unknown task '\(route.task)'", field: "allocator.routes")
        }
        for centroid in allocator.centroids where !names.contains(centroid.task) {
            throw LifelongError(.corruptIndex, "a centroid names unknown task '\(centroid.task)'", field: "allocator.centroids")
        }
        for relation in relations where !names.contains(relation.from) || !names.contains(relation.to) {
            throw LifelongError(.corruptIndex, "a relation names an unknown task", field: "relations")
        }
        for task in tasks where task.statistics.mean.count != encoding.featureCount || task.statistics.stddev.count != encoding.featureCount {
            throw LifelongError(.corruptIndex, "task '\(task.name)' has statistics of the wrong width", field: "tasks.statistics")
        }
    }

    /// The task record named `name`.
    public func task(named name: String) -> TaskRecord? { tasks.first { $0.name == name } }

    /// The assignment of a task.
    public func assignment(of task: String) -> TaskModelAssignment? { assignments.first { $0.task == task } }

    /// The detector of a kind.
    public func detector(_ kind: UnseenTaskDetector.Kind) -> UnseenTaskDetector? { detectors.first { $0.kind == kind } }

    /// The model bytes the index references (own, fallback and global models), by digest.
    public var modelBytes: [String: [UInt8]] { models.mapValues(\.bytes) }

    /// Tasks sorted by how close a sample is to their data, nearest first, with the
    /// normalized distance (mean squared z-score ÷ the task's own threshold).
    public func nearestTasks(_ features: [Float], limit: Int = .max) -> [(task: String, distance: Double)] {
        let scored = tasks.filter { $0.statistics.count > 0 }.map { task in
            (task.name, task.statistics.meanSquaredZ(features) / max(task.distanceThreshold, 1e-9))
        }
        return Array(scored.sorted { $0.1 < $1.1 }.prefix(limit))
    }
}
