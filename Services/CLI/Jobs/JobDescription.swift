import LifelongClient

/// A job as `lifelong job get` and the commands that change a job print it.
enum JobDescription {
    /// The job's state and spec, one `name: value` per line.
    static func text(_ job: Lifelong_V1_Job) -> String {
        let spec = job.spec ?? Lifelong_V1_JobSpec()
        var lines: [(String, String)] = [
            ("id", job.id), ("name", spec.name), ("phase", job.phase),
            ("deployed version", "\(job.deployedVersion)"), ("rounds completed", "\(job.roundsCompleted)"),
            ("pending samples", "\(job.pendingSamples)"), ("created", Formatting.time(microseconds: job.createdAtUs)),
            ("updated", Formatting.time(microseconds: job.updatedAtUs)),
        ]
        if !job.runId.isEmpty { lines.append(("training run", job.runId)) }
        if !job.lastError.isEmpty { lines.append(("last error", job.lastError)) }
        if job.retryAtUs > 0 { lines.append(("retry at", Formatting.time(microseconds: job.retryAtUs))) }
        if let schema = spec.schema {
            let features = schema.columns.map { column in
                column.kind == .categorical ? "\(column.name) (\(column.categories.count) categories)" : column.name
            }
            lines.append(("label", "\(schema.labelName): \(schema.classes.joined(separator: ", "))"))
            lines.append(("features", features.joined(separator: ", ")))
            if !schema.attributeNames.isEmpty { lines.append(("attributes", schema.attributeNames.joined(separator: ", "))) }
        }
        lines.append(("tasks by", spec.taskDefinition == .clustering ? "clustering (k \(spec.minClusters)…\(spec.maxClusters))" : "attributes"))
        if let trigger = spec.trigger { lines.append(("trigger", triggerText(trigger))) }
        if let parameters = spec.parameters { lines.append(("prior", priorText(parameters))) }
        lines.append(("gate", "min accuracy \(spec.minAccuracy), min improvement \(spec.minImprovement)"))
        if let egress = spec.egress { lines.append(("egress", Formatting.name(egress.mode))) }
        if !spec.edgeNodes.isEmpty { lines.append(("edge nodes", spec.edgeNodes.joined(separator: ", "))) }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 1) + $0.1 }.joined(separator: "\n")
    }

    /// How the shared prior's parameters are set: fixed by the job, or tuned every round.
    static func priorText(_ parameters: Lifelong_V1_TrainingParameters) -> String {
        parameters.rounds > 0
            ? "fixed: \(parameters.rounds) rounds, depth \(parameters.maxDepth), learning rate \(Float(parameters.learningRate))"
            : "tuned by inner validation every round"
    }

    /// A trigger in words: `≥ 100 new samples or every 3600s, checked every 30s, 22:00–06:00`.
    static func triggerText(_ trigger: Lifelong_V1_TrainTrigger) -> String {
        var parts: [String] = []
        if trigger.comparison != .unspecified { parts.append("\(trigger.metric) \(Formatting.name(trigger.comparison)) \(trigger.threshold)") }
        if trigger.periodSeconds > 0 { parts.append("every \(trigger.periodSeconds)s with new samples") }
        var text = parts.isEmpty ? "on demand" : parts.joined(separator: " or ")
        if trigger.checkPeriodSeconds > 0 { text += ", checked every \(trigger.checkPeriodSeconds)s" }
        if !trigger.windowStart.isEmpty || !trigger.windowEnd.isEmpty { text += ", window \(trigger.windowStart)-\(trigger.windowEnd)" }
        return text
    }
}
