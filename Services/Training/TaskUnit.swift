import JobQueue
import LifelongCore
import LifelongLearning
import LifelongProto

/// One task's unit: trains the task's model from the run's prior, scores it and the deployed
/// model on the task's eval rows, applies the gate, stores the model in the KB (rejected
/// ones too, for the report) and records the outcome; an accepted model also leaves the
/// one-task snapshot the publication merges.
enum TaskUnit {
    static let prefix = "task:"

    static func unitName(_ task: String) -> String { prefix + task }

    static func run(_ context: UnitContext, task: String) async throws {
        let request = context.request
        await context.emit(.started, task: task, "training the task's model")
        let plan = try await PlanArtifacts.load(context, task: task)
        let rows = plan.rows
        let members = plan.members
        let categories = plan.categories
        let configuration = request.configuration
        // Each bag member's model from its prior and start; the task's model is their average.
        let trained = try await context.train(task: task) {
            try RoundTraining(configuration: configuration).baggedTaskModel(
                task, members: members, attributes: rows.attributes, rows: rows.train, categories: categories
            ).model
        }

        await context.emit(.evaluating, task: task, "scoring the new model on \(rows.eval.rowCount) eval rows")
        let accuracy = try accuracy(of: trained.model, on: rows.eval)
        var deployedAccuracy: Double?
        let base = request.baseVersion > 0
            ? try await context.kb.snapshot(job: request.jobID, version: request.baseVersion, onWait: context.onWait) : nil
        let deployedDigest = base?.assignments.first { $0.taskName == task }?.model?.sha256
        if let digest = deployedDigest, !digest.isEmpty {
            let deployed = try await context.kb.model(sha256: digest, onWait: context.onWait)
            deployedAccuracy = try Self.accuracy(of: deployed.model, on: rows.eval)
        }
        let rejection = request.gate.rejection(accuracy: accuracy, deployed: deployedAccuracy)
        var outcome = Lifelong_V1_TrainingTaskOutcome()
        outcome.taskName = task
        outcome.accuracy = accuracy
        outcome.deployedAccuracy = deployedAccuracy ?? 0
        outcome.trainSamples = Int64(rows.train.rowCount)
        outcome.evalSamples = Int64(rows.eval.rowCount)
        outcome.kind = rejection != nil ? .rejected : deployedAccuracy == nil && base?.tasks.contains { $0.name == task } != true ? .created : .retrained
        outcome.reason = rejection ?? ""
        outcome.model = try await context.kb.putModel(
            trained, task: task, metrics: [metrics(accuracy: accuracy, rows: rows.eval.rowCount)], onWait: context.onWait)
        let inputs = RunInputs(base: base, schema: plan.schema, samples: plan.samples, plan: plan.plan)
        let taskSnapshot = rejection == nil ? try taskSnapshot(task, inputs: inputs, rows: rows, model: trained) : nil

        var verdict = context.event(
            rejection == nil ? .accepted : .rejected, task: task,
            rejection.map { "rejected by the gate: \($0)" }
                ?? "accepted: eval accuracy \(EvaluationGate.format(accuracy))"
                + (deployedAccuracy.map { " vs deployed \(EvaluationGate.format($0))" } ?? " (new task)"))
        verdict.metrics = [metrics(accuracy: accuracy, rows: rows.eval.rowCount)]
        let runID = context.runID
        let unit = context.unit
        let held = try await context.store.pool.withTransaction { [outcome, verdict] connection in
            guard try JobQueue.holds(unit, on: connection) else { return false }
            try RunStore.putOutcome(outcome, taskSnapshot: taskSnapshot, run: runID, on: connection)
            _ = try RunStore.append(verdict, run: runID, on: connection)
            return try JobQueue.complete(unit, on: connection)
        }
        if !held { throw CancellationError() }
    }

    /// Share of rows whose most probable class is their label.
    static func accuracy(of model: TrainedModel, on rows: LabelledSet) throws -> Double {
        guard rows.rowCount > 0 else { return 0 }
        var correct = 0
        for row in 0..<rows.rowCount where try model.model.predictClass(rows.table.features(ofRow: row)) == Int(rows.table.labels[row]) {
            correct += 1
        }
        return Double(correct) / Double(rows.rowCount)
    }

    static func metrics(accuracy: Double, rows: Int) -> Lifelong_V1_Metrics {
        var metric = Lifelong_V1_Metric()
        metric.name = "accuracy"
        metric.value = accuracy
        var metrics = Lifelong_V1_Metrics()
        metrics.split = "eval"
        metrics.sampleCount = Int64(rows)
        metrics.values = [metric]
        return metrics
    }

    /// The serialized one-task snapshot of an accepted model (``taskSnapshotMessage(_:inputs:rows:model:)``).
    static func taskSnapshot(_ task: String, inputs: RunInputs, rows: JobSamples.TaskRows, model: StoredModel) throws -> [UInt8] {
        try taskSnapshotMessage(task, inputs: inputs, rows: rows, model: model).serializedBytes()
    }

    /// The one-task snapshot of a task: a clustering run's
    /// (``clusterTaskSnapshot(_:inputs:plan:model:)``) or an attribute task's
    /// (``oneTaskSnapshot(_:rows:model:schema:)``). Without a model (a prediction of the
    /// publication, ``MiningPrefetch``): the same record and route, no assignment.
    static func taskSnapshotMessage(_ task: String, inputs: RunInputs, rows: JobSamples.TaskRows, model: StoredModel?) throws
        -> Lifelong_V1_TaskIndexSnapshot
    {
        if let plan = inputs.plan {
            try clusterTaskSnapshot(task, inputs: inputs, plan: plan, model: model)
        } else {
            try oneTaskSnapshot(task, rows: rows, model: model, schema: inputs.schema)
        }
    }

    /// The task alone as a snapshot: its record, its route and its assignment, as the index
    /// writes them; the publication merges them into the newest version.
    static func oneTaskSnapshot(_ task: String, rows: JobSamples.TaskRows, model: StoredModel?, schema: JobSchema) throws
        -> Lifelong_V1_TaskIndexSnapshot
    {
        let statistics = FeatureStatistics(table: rows.train.table)
        let distances = (0..<rows.train.rowCount).map { statistics.meanSquaredZ(rows.train.table.features(ofRow: $0)) }.sorted()
        let threshold = distances.isEmpty ? 1 : distances[min(distances.count - 1, Int(0.95 * Double(distances.count)))]
        let now = Clock.nowUs()
        let record = TaskRecord(
            name: task, attributes: rows.attributes, cluster: nil, statistics: statistics, sampleCount: rows.train.rowCount,
            group: "", createdAtUs: now, updatedAtUs: now, distanceThreshold: max(threshold, 1e-6),
            retiredThroughSequence: rows.retiredThrough)
        let index = try TaskIndex(
            encoding: schema.encoding, attributeNames: schema.attributeNames, tasks: [record], groups: [], relations: [],
            allocator: TaskAllocator(
                kind: .attributes, attributeNames: schema.attributeNames,
                routes: [TaskAllocator.Route(values: rows.attributes, task: task)], standardizer: statistics, centroids: [],
                featureCount: schema.encoding.featureCount),
            detectors: [], assignments: model.map { [TaskModelAssignment(task: task, model: $0.digest, fallbacks: [])] } ?? [],
            models: model.map { [$0.digest: $0] } ?? [:], globalModel: nil)
        return index.snapshot()
    }
}
