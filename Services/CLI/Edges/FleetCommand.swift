import ArgumentParser
import LifelongClient

/// `lifelong fleet`: every edge node the gateway knows.
struct FleetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet", abstract: "List the edge nodes the gateway knows: version served vs latest, last seen, buffered, uploaded, transfer ratio.")
    @OptionGroup var connection: GatewayOptions
    @Option(help: "Only nodes serving this job.")
    var job: String?

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_ListEdgesRequest()
            request.jobId = job ?? ""
            let edges = try await connection.connection().call { try await Lifelong_V1_Gateway.Client(wrapping: $0).listEdges(request) }.edges
            var table = TextTable(["node", "job", "serves", "latest", "last seen", "inferred", "buffered", "uploaded", "transfer ratio"])
            for entry in edges {
                let node = entry.node ?? .init()
                let serves = node.snapshotVersion < entry.latestVersion ? "\(node.snapshotVersion) (behind)" : "\(node.snapshotVersion)"
                table.add([
                    node.name, entry.jobId, serves, "\(entry.latestVersion)", Formatting.age(microseconds: node.lastSeenUs),
                    "\(entry.samplesInferred)", "\(entry.samplesBuffered)", "\(entry.samplesUploaded)",
                    Formatting.decimal(entry.samplesTransferRatio),
                ])
            }
            Terminal.line(table.render())
        }
    }
}
