import LifelongLearning
public import LifelongProto

// The task index as `lifelong.v1.TaskIndexSnapshot` (Proto/lifelong/v1/task_index.proto).
// Models travel by reference (SHA-256 and size); their bytes are stored beside the snapshot.
// The distribution detector's per-task statistics and thresholds travel as its `distances`.

extension TaskIndex {
    /// The index as a snapshot message.
    /// - Parameters:
    ///   - jobId: The job the index belongs to.
    ///   - version: The snapshot's version (assigned by the knowledge base; 0 for a draft).
    ///   - baseVersion: The version it was built from.
    ///   - publishedAtUs: Publication time.
    ///   - note: Who published it and why.
    public func snapshot(
        jobId: String = "", version: Int64 = 0, baseVersion: Int64 = 0, publishedAtUs: Int64 = 0, note: String = ""
    ) -> Lifelong_V1_TaskIndexSnapshot {
        var message = Lifelong_V1_TaskIndexSnapshot()
        message.jobId = jobId
        message.version = version
        message.baseVersion = baseVersion
        message.status = .published
        message.publishedAtUs = publishedAtUs
        message.note = note
        message.schema = encoding.schema(attributeNames: attributeNames)
        message.tasks = tasks.map { task in
            var proto = Lifelong_V1_Task()
            proto.name = task.name
            proto.attributes = zip(attributeNames, task.attributes).map { name, value in
                var attribute = Lifelong_V1_AttributeValue()
                attribute.name = name
                attribute.value = value
                return attribute
            }
            proto.cluster = Int32(task.cluster ?? -1)
            var statistics = Lifelong_V1_FeatureStatistics()
            statistics.count = Int64(task.statistics.count)
            statistics.mean = task.statistics.mean
            statistics.stddev = task.statistics.stddev
            statistics.min = task.statistics.min
            statistics.max = task.statistics.max
            proto.statistics = statistics
            proto.sampleCount = Int64(task.sampleCount)
            proto.group = task.group
            proto.createdAtUs = task.createdAtUs
            proto.updatedAtUs = task.updatedAtUs
            proto.retiredThroughSequence = task.retiredThroughSequence
            return proto
        }
        message.groups = groups.map { group in
            var proto = Lifelong_V1_TaskGroup()
            proto.name = group.name
            proto.tasks = group.tasks
            return proto
        }
        message.relations = relations.map { relation in
            var proto = Lifelong_V1_TaskRelation()
            proto.fromTask = relation.from
            proto.toTask = relation.to
            proto.weight = relation.weight
            proto.dataDistance = relation.dataDistance
            proto.crossAccuracy = relation.crossAccuracy
            return proto
        }
        message.allocator = allocator.message
        message.detectors = detectors.map { detector in
            var proto = Lifelong_V1_UnseenTaskDetector()
            switch detector.kind {
            case .attributes: proto.kind = .attributes
            case .confidence: proto.kind = .confidence
            case .distribution: proto.kind = .distribution
            }
            proto.threshold = detector.threshold
            proto.targetFalsePositiveRate = detector.targetFalsePositiveRate
            proto.precision = detector.precision
            proto.recall = detector.recall
            proto.enabled = detector.enabled
            if detector.kind == .distribution {
                proto.distances = tasks.map { task in
                    var distance = Lifelong_V1_TaskDistance()
                    distance.taskName = task.name
                    distance.mean = task.statistics.mean
                    distance.stddev = task.statistics.stddev
                    distance.threshold = task.distanceThreshold
                    return distance
                }
            }
            return proto
        }
        message.assignments = assignments.map { assignment in
            var proto = Lifelong_V1_TaskModelAssignment()
            proto.taskName = assignment.task
            proto.model = assignment.model.map(reference)
            proto.fallbacks = assignment.fallbacks.map { fallback in
                var weighted = Lifelong_V1_WeightedModel()
                weighted.model = reference(fallback.digest)
                weighted.weight = fallback.weight
                return weighted
            }
            return proto
        }
        message.globalModel = globalModel.map(reference)
        return message
    }

    private func reference(_ digest: String) -> Lifelong_V1_ModelReference {
        var reference = Lifelong_V1_ModelReference()
        reference.sha256 = digest
        reference.sizeBytes = Int64(models[digest]?.bytes.count ?? 0)
        return reference
    }

    /// Rebuilds an index from a snapshot and the bytes of the models it references.
    /// - Parameters:
    ///   - snapshot: The snapshot message.
    ///   - models: Model bytes by lowercase hex SHA-256; extra entries are ignored.
    ///   - predictionForm: Decode the models into their prediction form, one at a time (see
    ///     `StoredModel.init(bytes:expectedDigest:predictionForm:)`): for serving only.
    /// - Throws: `LifelongError.missingModel` when a referenced model's bytes are absent;
    ///   `.corruptIndex` for a snapshot that is inconsistent (unknown kinds, wrong widths,
    ///   digests or sizes that do not match the bytes, names of unknown tasks); `.learning`
    ///   for model bytes that do not decode.
    public init(
        snapshot: Lifelong_V1_TaskIndexSnapshot, models bytesByDigest: [String: [UInt8]], predictionForm: Bool = false
    ) throws {
        guard let schema = snapshot.schema else {
            throw LifelongError(.corruptIndex, "the snapshot has no schema", field: "schema")
        }
        let encoding = try FeatureEncoding(schema: schema)
        let width = encoding.featureCount

        var models: [String: StoredModel] = [:]
        func load(_ reference: Lifelong_V1_ModelReference?, field: String) throws -> String? {
            guard let reference, !reference.sha256.isEmpty else { return nil }
            if models[reference.sha256] != nil { return reference.sha256 }
            guard let bytes = bytesByDigest[reference.sha256] else {
                throw LifelongError(.missingModel, "model \(reference.sha256) is referenced but its bytes are missing", field: field)
            }
            guard reference.sizeBytes == 0 || reference.sizeBytes == Int64(bytes.count) else {
                throw LifelongError(
                    .corruptIndex, "model \(reference.sha256) has \(bytes.count) bytes, the snapshot says \(reference.sizeBytes)",
                    field: field)
            }
            let stored = try StoredModel(bytes: bytes, expectedDigest: reference.sha256, predictionForm: predictionForm)
            guard stored.model.encoding.features == encoding.features, stored.model.encoding.classNames == encoding.classNames else {
                throw LifelongError(.corruptIndex, "model \(reference.sha256) reads another schema than the index", field: field)
            }
            models[stored.digest] = stored
            return stored.digest
        }

        let distribution = snapshot.detectors.first { $0.kind == .distribution }
        let thresholds = Dictionary(
            (distribution?.distances ?? []).map { ($0.taskName, $0.threshold) }, uniquingKeysWith: { first, _ in first })
        let tasks = try snapshot.tasks.map { task -> TaskRecord in
            guard let statistics = task.statistics, statistics.mean.count == width, statistics.stddev.count == width else {
                throw LifelongError(.corruptIndex, "task '\(task.name)' lacks statistics of width \(width)", field: "tasks.statistics")
            }
            return TaskRecord(
                name: task.name, attributes: task.attributes.map(\.value), cluster: task.cluster < 0 ? nil : Int(task.cluster),
                statistics: FeatureStatistics(
                    count: Int(statistics.count), mean: statistics.mean, stddev: statistics.stddev.map { Swift.max($0, FeatureStatistics.minimumStddev) },
                    min: statistics.min.count == width ? statistics.min : .init(repeating: 0, count: width),
                    max: statistics.max.count == width ? statistics.max : .init(repeating: 0, count: width)),
                sampleCount: Int(task.sampleCount), group: task.group, createdAtUs: task.createdAtUs,
                updatedAtUs: task.updatedAtUs, distanceThreshold: thresholds[task.name] ?? 1,
                retiredThroughSequence: task.retiredThroughSequence)
        }
        guard let allocatorMessage = snapshot.allocator else {
            throw LifelongError(.corruptIndex, "the snapshot has no allocator", field: "allocator")
        }
        let allocator = try TaskAllocator(message: allocatorMessage)
        guard allocator.featureCount == width else {
            throw LifelongError(.corruptIndex, "the allocator's widths do not match the schema's \(width) features", field: "allocator")
        }
        let detectors = try snapshot.detectors.map { message -> UnseenTaskDetector in
            let kind: UnseenTaskDetector.Kind
            switch message.kind {
            case .attributes: kind = .attributes
            case .confidence: kind = .confidence
            case .distribution: kind = .distribution
            default: throw LifelongError(.corruptIndex, "a detector has no valid kind", field: "detectors.kind")
            }
            return UnseenTaskDetector(
                kind: kind, threshold: message.threshold, targetFalsePositiveRate: message.targetFalsePositiveRate,
                precision: message.precision, recall: message.recall, enabled: message.enabled)
        }
        let assignments = try snapshot.assignments.map { message in
            TaskModelAssignment(
                task: message.taskName, model: try load(message.model, field: "assignments.model"),
                fallbacks: try message.fallbacks.compactMap { fallback in
                    try load(fallback.model, field: "assignments.fallbacks").map {
                        WeightedModelReference(digest: $0, weight: fallback.weight)
                    }
                })
        }
        let global = try load(snapshot.globalModel, field: "global_model")
        try self.init(
            encoding: encoding, attributeNames: schema.attributeNames, tasks: tasks,
            groups: snapshot.groups.map { TaskGroupRecord(name: $0.name, tasks: $0.tasks) },
            relations: snapshot.relations.map {
                TaskRelation(from: $0.fromTask, to: $0.toTask, weight: $0.weight, dataDistance: $0.dataDistance, crossAccuracy: $0.crossAccuracy)
            },
            allocator: allocator, detectors: detectors, assignments: assignments, models: models, globalModel: global)
    }
}
