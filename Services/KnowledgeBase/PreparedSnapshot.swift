import ContentDigest
import LifelongProto

/// A snapshot checked for publication, with what the transaction needs: each task's
/// fingerprint, every model it references, the job's feature count.
struct PreparedSnapshot: Sendable {
    var snapshot: Lifelong_V1_TaskIndexSnapshot
    var jobID: String { snapshot.jobId }
    var baseVersion: Int64 { snapshot.baseVersion }
    var taskNames: [String]
    /// Per task (in order): a hash of its definition (timestamps aside) and assigned model,
    /// so a diff can tell changed tasks from unchanged ones.
    var fingerprints: [String]
    /// Per task (in order): its serialized definition without timestamps, as stored.
    var definitions: [[UInt8]]
    /// Models that must be stored, with the field that names each.
    var modelReferences: [(field: String, sha256: String)]
    /// Features per sample, when the snapshot says (schema columns or allocator).
    var featureCount: Int?

    /// Validates a snapshot for publication.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT naming the field (and for vectors the
    ///   expected count), RESOURCE_EXHAUSTED beyond the task limit.
    init(_ snapshot: Lifelong_V1_TaskIndexSnapshot?, limits: KnowledgeBaseConfiguration.Limits) throws {
        guard var snapshot else { throw KnowledgeBaseError.invalid("snapshot is missing") }
        try Validation.identifier(snapshot.jobId, field: "snapshot.job_id", limits: limits)
        guard snapshot.baseVersion >= 0 else {
            throw KnowledgeBaseError.invalid("snapshot.base_version must be >= 0, got \(snapshot.baseVersion)")
        }
        guard snapshot.tasks.count <= limits.maximumTasksPerSnapshot else {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "snapshot.tasks has \(snapshot.tasks.count) tasks; the limit is \(limits.maximumTasksPerSnapshot)")
        }
        snapshot.version = 0
        snapshot.status = .unspecified

        // Feature count: the schema's columns, else the allocator's count.
        let schemaCount = snapshot.schema.map(\.columns.count) ?? 0
        let allocatorCount = Int(snapshot.allocator?.featureCount ?? 0)
        var featureCount: Int? = schemaCount > 0 ? schemaCount : (allocatorCount > 0 ? allocatorCount : nil)
        if schemaCount > 0, allocatorCount > 0, schemaCount != allocatorCount {
            throw KnowledgeBaseError.invalid(
                "snapshot.allocator.feature_count is \(allocatorCount); expected \(schemaCount) (one per snapshot.schema.columns)")
        }
        var reason = schemaCount > 0 ? "one per snapshot.schema.columns" : "as snapshot.allocator.feature_count"

        var names = Set<String>()
        for (index, task) in snapshot.tasks.enumerated() {
            let field = "snapshot.tasks[\(index)]"
            try Validation.identifier(task.name, field: "\(field).name", limits: limits)
            guard names.insert(task.name).inserted else {
                throw KnowledgeBaseError.invalid("\(field).name '\(task.name)' is given twice")
            }
            _ = try AttributeJSON.encode(task.attributes, field: "\(field).attributes")
            if let statistics = task.statistics {
                if featureCount == nil, !statistics.mean.isEmpty {
                    featureCount = statistics.mean.count
                    reason = "as \(field).statistics.mean"
                }
                if let expected = featureCount {
                    let why = reason
                    try Validation.count(statistics.mean, expected: expected, field: "\(field).statistics.mean", reason: why)
                    try Validation.count(statistics.stddev, expected: expected, field: "\(field).statistics.stddev", reason: why)
                    try Validation.count(statistics.min, expected: expected, field: "\(field).statistics.min", reason: why)
                    try Validation.count(statistics.max, expected: expected, field: "\(field).statistics.max", reason: why)
                }
            }
        }

        var references: [(field: String, sha256: String)] = []
        func reference(_ model: Lifelong_V1_ModelReference?, field: String) throws {
            guard let model, !model.sha256.isEmpty else { return }
            try Validation.sha256(model.sha256, field: "\(field).sha256")
            references.append(("\(field).sha256", model.sha256))
        }
        func knownTask(_ name: String, field: String) throws {
            guard names.contains(name) else {
                throw KnowledgeBaseError.invalid("\(field) '\(name)' names no task of the snapshot")
            }
        }

        var assigned: [String: String] = [:]
        for (index, assignment) in snapshot.assignments.enumerated() {
            let field = "snapshot.assignments[\(index)]"
            try knownTask(assignment.taskName, field: "\(field).task_name")
            guard assigned[assignment.taskName] == nil else {
                throw KnowledgeBaseError.invalid("\(field).task_name '\(assignment.taskName)' is assigned twice")
            }
            assigned[assignment.taskName] = assignment.model?.sha256 ?? ""
            try reference(assignment.model, field: "\(field).model")
            for (fallbackIndex, fallback) in assignment.fallbacks.enumerated() {
                try reference(fallback.model, field: "\(field).fallbacks[\(fallbackIndex)].model")
                guard (0...1).contains(fallback.weight) else {
                    throw KnowledgeBaseError.invalid(
                        "\(field).fallbacks[\(fallbackIndex)].weight is \(fallback.weight); expected a value in [0, 1]")
                }
            }
        }
        for (index, group) in snapshot.groups.enumerated() {
            let field = "snapshot.groups[\(index)]"
            try Validation.identifier(group.name, field: "\(field).name", limits: limits)
            for (member, name) in group.tasks.enumerated() { try knownTask(name, field: "\(field).tasks[\(member)]") }
            try reference(group.model, field: "\(field).model")
        }
        if Set(snapshot.groups.map(\.name)).count != snapshot.groups.count {
            throw KnowledgeBaseError.invalid("snapshot.groups has two groups with the same name")
        }
        var relationKeys = Set<[String]>()
        for (index, relation) in snapshot.relations.enumerated() {
            let field = "snapshot.relations[\(index)]"
            try knownTask(relation.fromTask, field: "\(field).from_task")
            try knownTask(relation.toTask, field: "\(field).to_task")
            guard (0...1).contains(relation.weight) else {
                throw KnowledgeBaseError.invalid("\(field).weight is \(relation.weight); expected a value in [0, 1]")
            }
            guard relationKeys.insert([relation.fromTask, relation.toTask]).inserted else {
                throw KnowledgeBaseError.invalid("\(field) repeats the relation \(relation.fromTask) → \(relation.toTask)")
            }
        }
        try reference(snapshot.globalModel, field: "snapshot.global_model")

        if let allocator = snapshot.allocator, let expected = featureCount {
            try Validation.count(allocator.featureMean, expected: expected, field: "snapshot.allocator.feature_mean", reason: reason)
            try Validation.count(
                allocator.featureStddev, expected: expected, field: "snapshot.allocator.feature_stddev", reason: reason)
            for (index, centroid) in allocator.centroids.enumerated() {
                try Validation.count(
                    centroid.coordinates, expected: expected,
                    field: "snapshot.allocator.centroids[\(index)].coordinates", reason: reason, allowEmpty: false)
                try knownTask(centroid.taskName, field: "snapshot.allocator.centroids[\(index)].task_name")
            }
        }
        if let allocator = snapshot.allocator {
            for (index, route) in allocator.routes.enumerated() {
                try knownTask(route.taskName, field: "snapshot.allocator.routes[\(index)].task_name")
                guard route.values.count == allocator.attributeNames.count else {
                    throw KnowledgeBaseError.invalid(
                        "snapshot.allocator.routes[\(index)].values has \(route.values.count) values; expected \(allocator.attributeNames.count) (one per snapshot.allocator.attribute_names)"
                    )
                }
            }
        }
        for (index, detector) in snapshot.detectors.enumerated() {
            for (distanceIndex, distance) in detector.distances.enumerated() {
                let field = "snapshot.detectors[\(index)].distances[\(distanceIndex)]"
                try knownTask(distance.taskName, field: "\(field).task_name")
                if let expected = featureCount {
                    try Validation.count(distance.mean, expected: expected, field: "\(field).mean", reason: reason)
                    try Validation.count(distance.stddev, expected: expected, field: "\(field).stddev", reason: reason)
                }
            }
        }
        if let expected = featureCount, expected > limits.maximumFeaturesPerSample {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "the snapshot's tasks have \(expected) features; the limit is \(limits.maximumFeaturesPerSample)")
        }

        var fingerprints: [String] = []
        var definitions: [[UInt8]] = []
        fingerprints.reserveCapacity(snapshot.tasks.count)
        definitions.reserveCapacity(snapshot.tasks.count)
        for task in snapshot.tasks {
            var definition = task
            definition.createdAtUs = 0
            definition.updatedAtUs = 0
            let bytes = try definition.serializedBytes()
            definitions.append(bytes)
            let digest = SHA256Digest()
            digest.update(bytes)
            digest.update(Array("|model:\(assigned[task.name] ?? "")".utf8))
            fingerprints.append(String(digest.finalizeHex().prefix(32)))
        }

        self.snapshot = snapshot
        self.taskNames = snapshot.tasks.map(\.name)
        self.fingerprints = fingerprints
        self.definitions = definitions
        self.modelReferences = references
        self.featureCount = featureCount
    }
}
