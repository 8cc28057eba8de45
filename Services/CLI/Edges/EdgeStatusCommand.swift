import ArgumentParser
import LifelongClient

/// `lifelong edge status --edge HOST:PORT`.
struct EdgeStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show an edge node's state: snapshot served, cloud reachability, buffers, counters.")
    @OptionGroup var connection: EdgeOptions

    func run() async throws {
        try await CLIFailure.reporting {
            let status = try await connection.connection().call { try await Lifelong_V1_EdgeInference.Client(wrapping: $0).getStatus(.init()) }
            let node = status.node ?? .init()
            let rows: [(String, String)] = [
                ("node", node.name), ("address", node.address), ("snapshot version", "\(status.snapshotVersion)"),
                ("refused versions", status.refusedVersion == 0 ? "none" : "up to \(status.refusedVersion) (rolled back)"),
                ("cloud reachable", status.cloudReachable ? "yes" : "no"),
                ("last sync", "\(Formatting.time(microseconds: status.lastSyncUs)) (\(Formatting.age(microseconds: status.lastSyncUs)))"),
                ("samples inferred", "\(status.samplesInferred)"), ("samples uploaded", "\(status.samplesUploaded)"),
                ("transfer ratio", Formatting.decimal(status.samplesTransferRatio)), ("unseen buffered", "\(status.bufferedUnseen)"),
                ("queued uploads", "\(status.queuedUploads)"), ("buffer rejected", "\(status.bufferRejected)"),
                ("buffer dropped", "\(status.bufferDropped)"), ("egress", Formatting.name(node.egress?.mode ?? .unspecified)),
            ]
            let width = rows.map(\.0.count).max() ?? 0
            for (name, value) in rows { Terminal.line(name + ":" + String(repeating: " ", count: width - name.count + 1) + value) }
        }
    }
}
