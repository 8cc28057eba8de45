import ArgumentParser
import LifelongClient

/// `lifelong edge rollback --edge HOST:PORT [--from-version N]`.
struct EdgeRollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Serve an edge node's previous snapshot again; the version rolled back from is not pulled again.")
    @OptionGroup var connection: EdgeOptions
    @Option(help: "The version you expect the node to serve now (refused if another one is); 0 = whichever it serves.")
    var fromVersion: Int64 = 0

    func run() async throws {
        try await CLIFailure.reporting {
            var request = Lifelong_V1_EdgeRollbackRequest()
            request.fromVersion = fromVersion
            let status = try await connection.connection().call {
                try await Lifelong_V1_EdgeInference.Client(wrapping: $0).rollbackSnapshot(request)
            }
            Terminal.line(
                "serving snapshot version \(status.snapshotVersion); versions up to \(status.refusedVersion) are refused until a newer one is published")
        }
    }
}
