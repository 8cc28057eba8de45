import ArgumentParser
import Foundation
import LifelongClient
import SampleFiles

/// `lifelong label --job ID`: labels for the samples waiting for one.
struct LabelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Label samples waiting for a label: from an oracle file, given by hand, or list them.",
        discussion: """
            --oracle FILE.csv: every unlabelled sample whose key the file has (by the sample key rule: the `key` \
            column, else <file name>:<row>; an edge's stored key <node>/<key> matches <key>) gets the file's \
            label. KEY=CLASS arguments label samples by hand (CLASS is a class name of the job). With neither, \
            the unlabelled samples are listed. Labelled samples count towards the job's train trigger.
            """)

    @OptionGroup var connection: GatewayOptions
    @Option(help: "The job.")
    var job: String
    @Option(help: ArgumentHelp("A labelled CSV file to take labels from.", valueName: "FILE.csv"))
    var oracle: String?
    @Argument(help: ArgumentHelp("Labels by hand.", valueName: "KEY=CLASS"))
    var assignments: [String] = []

    func validate() throws {
        guard oracle == nil || assignments.isEmpty else { throw ValidationError("give either --oracle FILE.csv or KEY=CLASS arguments") }
        for assignment in assignments where !assignment.contains("=") {
            throw ValidationError("'\(assignment)' is not KEY=CLASS")
        }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let service = try connection.connection()
            let jobID = job
            let (schema, unlabelled) = try await service.call { client in
                let gateway = Lifelong_V1_Gateway.Client(wrapping: client)
                let job = try await gateway.getJob(IngestCommand.request(jobID))
                var request = Lifelong_V1_ListSamplesRequest()
                request.jobId = jobID
                request.labelState = .unlabelled
                request.batchSize = 500
                let samples = try await gateway.listUnlabelled(request) { response in
                    var samples: [Lifelong_V1_Sample] = []
                    for try await batch in response.messages { samples += batch.samples }
                    return samples
                }
                return (job.spec?.schema ?? .init(), samples)
            }
            let labels: [Lifelong_V1_SampleLabel]
            var withoutLabel = 0
            if let oracle {
                let oracleLabels = try OracleLabels(contentsOf: URL(fileURLWithPath: oracle), schema: schema)
                labels = unlabelled.compactMap { sample in
                    guard let label = oracleLabels.label(forKey: sample.key) else { return nil }
                    return Self.sampleLabel(key: sample.key, label: label, task: sample.taskName)
                }
                withoutLabel = unlabelled.count - labels.count
                Terminal.line("\(unlabelled.count) samples wait for a label; \(oracle) labels \(labels.count) of them")
            } else if !assignments.isEmpty {
                labels = try assignments.map { try Self.parse($0, classes: schema.classes) }
            } else {
                var table = TextTable(["key", "task", "kind", "edge", "observed"])
                for sample in unlabelled {
                    table.add([sample.key, sample.taskName, Formatting.name(sample.kind), sample.edgeNode, Formatting.time(microseconds: sample.observedAtUs)])
                }
                Terminal.line(table.render())
                Terminal.line("\(unlabelled.count) samples wait for a label")
                return
            }
            var updated: Int64 = 0
            var unknown: [String] = []
            for start in stride(from: 0, to: labels.count, by: 1_000) {
                var request = Lifelong_V1_AttachLabelsRequest()
                request.jobId = jobID
                request.labels = Array(labels[start..<min(start + 1_000, labels.count)])
                let response = try await service.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).labelSamples(request) }
                updated += response.updated
                unknown += response.unknownKeys
            }
            var summary = "labelled \(updated) samples of job \(jobID)"
            if withoutLabel > 0 { summary += "; \(withoutLabel) not in the oracle file" }
            if !unknown.isEmpty { summary += "; unknown keys: " + unknown.prefix(10).joined(separator: ", ") + (unknown.count > 10 ? ", …" : "") }
            Terminal.line(summary)
        }
    }

    static func sampleLabel(key: String, label: Lifelong_V1_Label, task: String) -> Lifelong_V1_SampleLabel {
        var sampleLabel = Lifelong_V1_SampleLabel()
        sampleLabel.key = key
        sampleLabel.label = label
        sampleLabel.taskName = task
        return sampleLabel
    }

    /// `KEY=CLASS` as a label; CLASS is one of the job's class names.
    static func parse(_ assignment: String, classes: [String]) throws -> Lifelong_V1_SampleLabel {
        let separator = assignment.lastIndex(of: "=")!
        let key = String(assignment[..<separator]), name = String(assignment[assignment.index(after: separator)...])
        guard let index = classes.firstIndex(of: name) else {
            throw CLIFailure(.local, "'\(name)' is not a class of the job (classes: \(classes.joined(separator: ", ")))")
        }
        var label = Lifelong_V1_Label()
        label.present = true
        label.classIndex = Int32(index)
        return sampleLabel(key: key, label: label, task: "")
    }
}
