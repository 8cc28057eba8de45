import ArgumentParser
import LifelongClient

/// `lifelong job list`.
struct JobListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, oldest first.")
    @OptionGroup var connection: GatewayOptions
    @Option(help: "Most jobs listed (0 = all).")
    var limit: Int32 = 0

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_ListJobsRequest()
            request.limit = limit
            let jobs = try await connection.connection().call { try await Lifelong_V1_Gateway.Client(wrapping: $0).listJobs(request) }.jobs
            var table = TextTable(["id", "name", "phase", "version", "rounds", "pending", "updated"])
            for job in jobs {
                table.add([
                    job.id, job.spec?.name ?? "", job.phase, "\(job.deployedVersion)", "\(job.roundsCompleted)",
                    "\(job.pendingSamples)", Formatting.age(microseconds: job.updatedAtUs),
                ])
            }
            Terminal.line(table.render())
        }
    }
}
