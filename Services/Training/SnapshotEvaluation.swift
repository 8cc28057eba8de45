import LifelongCore
import LifelongLearning
import LifelongProto

/// Evaluate: a snapshot's index, as the edge would serve it, scored on labelled samples —
/// given inline, or the job's EVAL samples in the KB (without those a task retired once it
/// has newer ones: see `JobSamples.retiring`). Per task (by the samples' attributes, or
/// for clusters by the cluster the snapshot's allocator gives) and over all samples.
enum SnapshotEvaluation {
    static func evaluate(_ request: Lifelong_V1_EvaluateRequest, kb: KnowledgeBaseAccess) async throws -> Lifelong_V1_EvaluateResponse {
        try RunRequest.identifier(request.jobId, field: "job_id")
        guard request.version >= 0 else { throw TrainingError.invalid("version", "must be >= 0 (0 = latest)") }
        var kb = kb
        kb.retry.waitsWhileUnreachable = false
        guard let snapshot = try await kb.snapshot(job: request.jobId, version: request.version, onWait: { _ in }) else {
            throw TrainingError(.notFound, "job_id: job '\(request.jobId)' has no snapshot")
        }
        let index = try await self.index(snapshot, kb: kb)
        var samples = request.samples
        if samples.isEmpty {
            samples = try await kb.labelledSamples(job: request.jobId, onWait: { _ in }).filter { $0.kind == .eval }
        }
        let predictor = try index.predictor()
        let retired = snapshot.tasks.filter { $0.retiredThroughSequence > 0 }.map { ($0.name, $0.retiredThroughSequence) }
        let retiredThrough = Dictionary(retired, uniquingKeysWith: max)
        let tasksWithNewerEval = JobSamples.tasksWithNewerEval(samples, retiredThrough: retiredThrough, attributeNames: index.attributeNames)
        var correct: [String: Int] = [:], counts: [String: Int] = [:]
        for (position, sample) in samples.enumerated() {
            guard let label = sample.label, label.present else { continue }
            guard sample.features.count == index.encoding.featureCount else {
                throw TrainingError.invalid(
                    "samples[\(position)].features", "\(sample.features.count) values; the snapshot has \(index.encoding.featureCount) features")
            }
            let attributes = index.attributeNames.map { name in sample.attributes.first { $0.name == name }?.value ?? "" }
            let prediction = try predictor.predict(features: sample.features.map { Float($0) }, attributes: attributes)
            // Attribute tasks by the sample's values (unknown ones too); clusters by allocation.
            let task = index.allocator.kind == .clusters ? prediction.task ?? "" : LabelledSet.key(attributes)
            // The KB's samples of a task that training retired (its function drifted) do not count.
            if request.samples.isEmpty,
                JobSamples.isRetired(sample, task: task, retiredThrough: retiredThrough, tasksWithNewerEval: tasksWithNewerEval)
            {
                continue
            }
            counts[task, default: 0] += 1
            if prediction.predictedClass == Int(label.classIndex) { correct[task, default: 0] += 1 }
        }
        var response = Lifelong_V1_EvaluateResponse()
        for task in counts.keys.sorted() {
            let accuracy = Double(correct[task] ?? 0) / Double(counts[task]!)
            var entry = Lifelong_V1_TaskAccuracy()
            entry.taskName = task
            entry.accuracy = accuracy
            entry.sampleCount = Int64(counts[task]!)
            response.tasks.append(entry)
            var metrics = TaskUnit.metrics(accuracy: accuracy, rows: counts[task]!)
            metrics.split = "eval:\(task)"
            response.taskMetrics.append(metrics)
        }
        let total = counts.values.reduce(0, +)
        response.overall = TaskUnit.metrics(
            accuracy: total > 0 ? Double(correct.values.reduce(0, +)) / Double(total) : 0, rows: total)
        return response
    }

    /// The snapshot with every model it references, as an index.
    static func index(_ snapshot: Lifelong_V1_TaskIndexSnapshot, kb: KnowledgeBaseAccess) async throws -> TaskIndex {
        let references = snapshot.assignments.flatMap { [$0.model] + $0.fallbacks.map(\.model) } + [snapshot.globalModel]
        var models: [String: [UInt8]] = [:]
        for digest in references.compactMap({ $0?.sha256 }) where !digest.isEmpty && models[digest] == nil {
            models[digest] = try await kb.model(sha256: digest, onWait: { _ in }).bytes
        }
        do {
            return try TaskIndex(snapshot: snapshot, models: models)
        } catch {
            throw TrainingError(.failedPrecondition, "snapshot \(snapshot.version) cannot be served: \(error)", cause: error)
        }
    }
}
