import ArgumentParser
import LifelongClient

/// `lifelong kb show --job ID`: one snapshot, or one task's history.
struct KBShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a snapshot (tasks, models, detectors) or, with --task, one task's models and versions.")
    @OptionGroup var target: KBTarget
    @Option(help: "Snapshot version (0 = latest).")
    var version: Int64 = 0
    @Option(help: "Show this task's history instead.")
    var task: String?

    func run() async throws {
        try await CLIFailure.reporting {
            if let task {
                var request = Lifelong_V1_GetTaskRequest()
                request.jobId = target.job
                request.name = task
                Terminal.line(Self.text(try await target.call { try await $0.getTask(request) }))
                return
            }
            var request = Lifelong_V1_GetSnapshotRequest()
            request.jobId = target.job
            request.version = version
            Terminal.line(Self.text(try await target.call { try await $0.getSnapshot(request) }))
        }
    }

    static func text(_ snapshot: Lifelong_V1_TaskIndexSnapshot) -> String {
        var lines = [
            "job \(snapshot.jobId) version \(snapshot.version) (base \(snapshot.baseVersion), \(Formatting.name(snapshot.status)), published \(Formatting.time(microseconds: snapshot.publishedAtUs)))"
        ]
        if !snapshot.note.isEmpty { lines.append("note: \(snapshot.note)") }
        if let schema = snapshot.schema {
            lines.append("features: \(schema.columns.count), label \(schema.labelName) (\(schema.classes.joined(separator: ", ")))")
        }
        lines.append("allocator: \(Formatting.name(snapshot.allocator?.kind ?? .unspecified)); \(snapshot.groups.count) groups, \(snapshot.relations.count) relations")
        if let global = snapshot.globalModel, !global.sha256.isEmpty { lines.append("global model: \(global.sha256.prefix(12)) (\(global.sizeBytes) bytes)") }
        let assignments = Dictionary(snapshot.assignments.map { ($0.taskName, $0) }, uniquingKeysWith: { first, _ in first })
        var tasks = TextTable(["task", "defined by", "samples", "model", "fallbacks"])
        for task in snapshot.tasks {
            let assignment = assignments[task.name]
            let model = assignment?.model.map { String($0.sha256.prefix(12)) } ?? "-"
            tasks.add([task.name, KBTasksCommand.definition(task), "\(task.sampleCount)", model.isEmpty ? "-" : model, "\(assignment?.fallbacks.count ?? 0)"])
        }
        lines.append(tasks.render())
        var detectors = TextTable(["detector", "enabled", "threshold", "target fpr", "precision", "recall"])
        for detector in snapshot.detectors {
            detectors.add([
                Formatting.name(detector.kind), detector.enabled ? "yes" : "no", Formatting.decimal(detector.threshold),
                Formatting.decimal(detector.targetFalsePositiveRate), Formatting.decimal(detector.precision), Formatting.decimal(detector.recall),
            ])
        }
        lines.append(detectors.render())
        return lines.joined(separator: "\n")
    }

    static func text(_ detail: Lifelong_V1_TaskDetail) -> String {
        let task = detail.task ?? .init()
        var lines = [
            "task \(task.name): \(KBTasksCommand.definition(task)), \(task.sampleCount) samples, group \(task.group.isEmpty ? "-" : task.group)",
            "in versions: " + detail.versions.map(String.init).joined(separator: ", "),
        ]
        var models = TextTable(["model", "bytes", "format", "created", "eval accuracy", "parent"])
        for model in detail.models {
            let accuracy = model.metrics.first { $0.split == "eval" }?.values.first { $0.name == "accuracy" }?.value
            models.add([
                String(model.reference?.sha256.prefix(12) ?? ""), "\(model.reference?.sizeBytes ?? 0)", model.format,
                Formatting.time(microseconds: model.createdAtUs), accuracy.map { Formatting.decimal($0) } ?? "-",
                String(model.parent?.sha256.prefix(12) ?? "-"),
            ])
        }
        lines.append(models.render())
        return lines.joined(separator: "\n")
    }
}
