import ArgumentParser
import Foundation
import LifelongClient

/// `lifelong report --job ID`: the job's lifelong-learning report as tables, and as an SVG plot.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Print a job's report (accuracy matrix, BWT, FWT, forgetting, per-task accuracy, transfer ratio); plot it as SVG.",
        discussion: """
            Accuracy matrix: row i is the model after round i (row 0 before round 1) with the snapshot version \
            it was; column j is test set j. BWT < 0 and forgetting > 0 mean forgetting. --svg writes accuracy \
            per round, one line per test set of --method (default: the first), the other methods' means dashed.
            """)

    @OptionGroup var connection: GatewayOptions
    @Option(help: "The job.")
    var job: String
    @Option(help: ArgumentHelp("Also write the accuracy plot to this SVG file.", valueName: "FILE.svg"))
    var svg: String?
    @Option(help: "The method plotted per test set (default: the report's first).")
    var method: String?

    func run() async throws {
        try await CLIFailure.reporting {
            let request = IngestCommand.request(job)
            let report = try await connection.connection().call { try await Lifelong_V1_Gateway.Client(wrapping: $0).getReport(request) }
            Terminal.line(Self.text(report))
            if let svg {
                let plot = try AccuracyPlot(report: report, method: method)
                do {
                    try Data(plot.svg().utf8).write(to: URL(fileURLWithPath: svg), options: .atomic)
                } catch {
                    throw CLIFailure(.local, "cannot write \(svg): \(error.localizedDescription)")
                }
                Terminal.line("plot written to \(svg)")
            }
        }
    }

    /// The report as terminal tables.
    static func text(_ report: Lifelong_V1_Report) -> String {
        var lines = ["report of job \(report.jobId) at snapshot version \(report.snapshotVersion) (\(Formatting.time(microseconds: report.createdAtUs)))"]
        for method in report.methods {
            lines.append("")
            lines.append("== \(method.method)")
            let matrix = method.matrix ?? .init()
            var table = TextTable(["round", "version"] + matrix.testSets)
            for (index, row) in matrix.rows.enumerated() {
                let version = method.rowVersions.indices.contains(index) ? "\(method.rowVersions[index])" : "-"
                table.add(["\(index)", version] + row.accuracy.map { Formatting.decimal($0) })
            }
            lines.append("accuracy matrix (row: model after round; column: test set)")
            lines.append(table.render())
            lines.append(
                "BWT \(Formatting.signed(method.bwt))  FWT \(Formatting.signed(method.fwt))  forgetting \(Formatting.signed(method.forgetting))")
            lines.append(
                "task average accuracy \(Formatting.decimal(method.taskAverageAccuracy))  average accuracy \(Formatting.decimal(method.averageAccuracy))")
            if !method.tasks.isEmpty {
                var tasks = TextTable(["task", "accuracy", "test samples"])
                for task in method.tasks { tasks.add([task.taskName, Formatting.decimal(task.accuracy), "\(task.sampleCount)"]) }
                lines.append(tasks.render())
            }
        }
        lines.append("")
        lines.append(
            "samples transfer ratio \(Formatting.decimal(report.samplesTransferRatio)) (\(report.samplesUploaded) uploaded of \(report.samplesInferred) inferred at the edge)")
        // The gateway does not measure detection (docs/gateway.md): no line rather than zeros.
        if report.unseenPrecision > 0 || report.unseenRecall > 0 {
            lines.append("unseen-task detection: precision \(Formatting.decimal(report.unseenPrecision))  recall \(Formatting.decimal(report.unseenRecall))")
        }
        return lines.joined(separator: "\n")
    }
}
