import ArgumentParser
import LifelongClient

/// `lifelong kb diff --job ID --from A --to B`.
struct KBDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "diff", abstract: "Show which tasks two snapshot versions add, change, remove or keep.")
    @OptionGroup var target: KBTarget
    @Option(help: "The older version.")
    var from: Int64
    @Option(help: "The newer version.")
    var to: Int64
    @Flag(help: "Also list the unchanged tasks.")
    var all = false

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_DiffSnapshotsRequest()
            request.jobId = target.job
            request.fromVersion = from
            request.toVersion = to
            let diff = try await target.call { try await $0.diffSnapshots(request) }
            var table = TextTable(["change", "task"])
            for (change, tasks) in [("added", diff.added), ("changed", diff.changed), ("removed", diff.removed)] + (all ? [("unchanged", diff.unchanged)] : []) {
                for task in tasks { table.add([change, task]) }
            }
            Terminal.line("version \(from) → \(to): \(diff.added.count) added, \(diff.changed.count) changed, \(diff.removed.count) removed, \(diff.unchanged.count) unchanged")
            Terminal.line(table.render())
        }
    }
}
