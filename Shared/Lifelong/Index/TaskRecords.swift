/// One task of the index.
public struct TaskRecord: Sendable, Hashable {
    /// Unique name (attribute values joined by "_", or "cluster-N").
    public var name: String
    /// Attribute values that define it (attribute tasks).
    public var attributes: [String]
    /// Cluster index (cluster tasks).
    public var cluster: Int?
    /// Distribution of its training rows.
    public var statistics: FeatureStatistics
    /// Labelled rows it was trained on.
    public var sampleCount: Int
    /// The group it belongs to.
    public var group: String
    /// When it was created, microseconds since the Unix epoch.
    public var createdAtUs: Int64
    /// When its model last changed, microseconds since the Unix epoch.
    public var updatedAtUs: Int64
    /// Per-task threshold of the distribution detector: the mean squared z-score that
    /// `1 − UnseenTaskDetector.taskQuantileFPR` of its own rows stay under.
    public var distanceThreshold: Double
    /// The KB sequence up to which the task's samples no longer describe it (its function
    /// drifted; training learns from later samples only); 0: every sample counts.
    public var retiredThroughSequence: Int64

    /// Creates a record.
    public init(
        name: String, attributes: [String], cluster: Int?, statistics: FeatureStatistics, sampleCount: Int,
        group: String, createdAtUs: Int64, updatedAtUs: Int64, distanceThreshold: Double, retiredThroughSequence: Int64 = 0
    ) {
        self.retiredThroughSequence = retiredThroughSequence
        self.name = name
        self.attributes = attributes
        self.cluster = cluster
        self.statistics = statistics
        self.sampleCount = sampleCount
        self.group = group
        self.createdAtUs = createdAtUs
        self.updatedAtUs = updatedAtUs
        self.distanceThreshold = distanceThreshold
    }
}

/// Tasks that share knowledge: connected by relations of at least the group weight.
public struct TaskGroupRecord: Sendable, Hashable {
    /// Unique group name ("group-0", …).
    public var name: String
    /// Member task names, sorted.
    public var tasks: [String]

    /// Creates a group.
    public init(name: String, tasks: [String]) {
        self.name = name
        self.tasks = tasks
    }
}

/// How strongly knowledge flows from one task to another.
public struct TaskRelation: Sendable, Hashable {
    /// The lending task.
    public var from: String
    /// The borrowing task.
    public var to: String
    /// Transfer weight in [0, 1]: `crossAccuracy^4 · exp(−dataDistance)`.
    public var weight: Double
    /// Bhattacharyya distance between the two tasks' feature distributions (globally scaled).
    public var dataDistance: Double
    /// Accuracy of `from`'s model on `to`'s rows (held-out rows when `to` has them).
    public var crossAccuracy: Double

    /// Creates a relation.
    public init(from: String, to: String, weight: Double, dataDistance: Double, crossAccuracy: Double) {
        self.from = from
        self.to = to
        self.weight = weight
        self.dataDistance = dataDistance
        self.crossAccuracy = crossAccuracy
    }
}

/// A model and a blending weight.
public struct WeightedModelReference: Sendable, Hashable {
    /// Digest of the model in `TaskIndex.models`.
    public var digest: String
    /// Weight in [0, 1].
    public var weight: Double

    /// Creates a weighted reference.
    public init(digest: String, weight: Double) {
        self.digest = digest
        self.weight = weight
    }
}

/// Which model serves a task, and which related models are blended in when it is uncertain.
public struct TaskModelAssignment: Sendable, Hashable {
    /// The task.
    public var task: String
    /// Digest of its own model; nil when it has too few rows for one (it is then served by
    /// its fallbacks).
    public var model: String?
    /// Related tasks' models with transfer weights.
    public var fallbacks: [WeightedModelReference]

    /// Creates an assignment.
    public init(task: String, model: String?, fallbacks: [WeightedModelReference]) {
        self.task = task
        self.model = model
        self.fallbacks = fallbacks
    }
}
