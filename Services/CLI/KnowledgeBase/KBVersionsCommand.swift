import ArgumentParser
import LifelongClient

/// `lifelong kb versions --job ID`.
struct KBVersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "versions", abstract: "List a job's snapshot versions, newest first.")
    @OptionGroup var target: KBTarget
    @Option(help: "Most versions listed (0 = all).")
    var limit: Int32 = 0

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_ListVersionsRequest()
            request.jobId = target.job
            request.limit = limit
            let versions = try await target.call { try await $0.listVersions(request) }.versions
            var table = TextTable(["version", "base", "status", "tasks", "published", "note"])
            for version in versions {
                table.add([
                    "\(version.version)", "\(version.baseVersion)", Formatting.name(version.status), "\(version.taskCount)",
                    Formatting.time(microseconds: version.publishedAtUs), version.note,
                ])
            }
            Terminal.line(table.render())
        }
    }
}
