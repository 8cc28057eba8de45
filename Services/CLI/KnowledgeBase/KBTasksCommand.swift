import ArgumentParser
import LifelongClient

/// `lifelong kb tasks --job ID`.
struct KBTasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List the tasks of a job's snapshot.")
    @OptionGroup var target: KBTarget
    @Option(help: "Snapshot version (0 = latest).")
    var version: Int64 = 0

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_QueryTasksRequest()
            request.jobId = target.job
            request.version = version
            let matches = try await target.call { try await $0.queryTasks(request) }.matches
            var table = TextTable(["task", "defined by", "samples", "group", "updated"])
            for match in matches {
                let task = match.task ?? .init()
                table.add([task.name, Self.definition(task), "\(task.sampleCount)", task.group, Formatting.time(microseconds: task.updatedAtUs)])
            }
            Terminal.line(table.render())
        }
    }

    /// `site=north, season=summer` or `cluster 3`.
    static func definition(_ task: Lifelong_V1_Task) -> String {
        if !task.attributes.isEmpty { return task.attributes.map { "\($0.name)=\($0.value)" }.joined(separator: ", ") }
        return task.cluster >= 0 ? "cluster \(task.cluster)" : "-"
    }
}
