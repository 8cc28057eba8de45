import ArgumentParser
import Foundation
import LifelongClient
import SampleFiles

/// `lifelong infer --edge HOST:PORT FILE.csv`: a file's rows through an edge node.
struct InferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Stream a CSV file's rows through an edge node's inference and summarise the answers.",
        discussion: """
            The rows are encoded with the job's schema (from the gateway: --job, or the job the gateway's fleet \
            view says the node serves); categories the schema does not know are sent as missing. Keys follow \
            the sample key rule (`key` column, else <file name>:<row>), so unseen samples the node uploads can \
            be labelled by `lifelong label --oracle` or the gateway's oracle. Prints how many samples were \
            flagged unseen, answered by a fallback, per task and per snapshot version, and the accuracy when \
            the file has the label column.
            """)

    @OptionGroup var connection: GatewayOptions
    @Option(help: ArgumentHelp("The edge node.", valueName: "HOST:PORT"))
    var edge: String
    @Option(help: "The job whose schema encodes the rows (default: the job the node serves).")
    var job: String?
    @Option(help: "Samples per request.")
    var batchSize: Int = 256
    @Flag(help: "One Infer call per batch instead of one InferStream call.")
    var unary = false
    @Argument(help: ArgumentHelp("The CSV file (labelled or not).", valueName: "FILE.csv"))
    var file: String

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be > 0") }
        _ = try Endpoint(parsing: edge, what: "--edge")
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let gateway = try connection.connection()
            let node = ServiceConnection(role: .edge, endpoint: try Endpoint(parsing: edge, what: "--edge"), token: gateway.token)
            let data = try SampleFile(contentsOf: URL(fileURLWithPath: file))
            let jobID: String
            if let job {
                jobID = job
            } else {
                jobID = try await Self.servedJob(node: node, gateway: gateway)
            }
            let served = try await gateway.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).getJob(IngestCommand.request(jobID)) }
            let schema = served.spec?.schema ?? .init()
            let samples = try data.samples(schema: schema, jobID: jobID, kind: .unspecified, unknownCategoriesAsMissing: true)
            let requests = stride(from: 0, to: samples.count, by: batchSize).map { start in
                var request = Lifelong_V1_InferRequest()
                request.inputs = samples[start..<min(start + batchSize, samples.count)].map { sample in
                    var input = Lifelong_V1_InferenceInput()
                    input.key = sample.key
                    input.features = sample.features
                    input.attributes = sample.attributes
                    return input
                }
                return request
            }
            let title = "infer \(data.stem)", total = samples.count, useUnary = unary
            let predictions = try await node.call { client in
                let inference = Lifelong_V1_EdgeInference.Client(wrapping: client)
                if useUnary {
                    var predictions: [Lifelong_V1_Prediction] = []
                    var bar = ProgressBar(title: title, total: total)
                    for request in requests {
                        predictions += try await inference.infer(request).predictions
                        bar.update(predictions.count)
                    }
                    bar.finish()
                    return predictions
                }
                return try await inference.inferStream { writer in
                    for request in requests { try await writer.write(request) }
                } onResponse: { response in
                    var predictions: [Lifelong_V1_Prediction] = []
                    var bar = ProgressBar(title: title, total: total)
                    for try await reply in response.messages {
                        predictions += reply.predictions
                        bar.update(predictions.count)
                    }
                    bar.finish()
                    return predictions
                }
            }
            guard predictions.count == samples.count else {
                throw CLIFailure(.rpc, "the edge node answered \(predictions.count) of \(samples.count) samples")
            }
            Terminal.line(InferenceSummary(samples: samples, predictions: predictions, classes: schema.classes).text(file: data.name, node: node.endpoint))
        }
    }

    /// The job a node serves, from the node's name and the gateway's fleet view.
    static func servedJob(node: ServiceConnection, gateway: ServiceConnection) async throws -> String {
        let status = try await node.call { try await Lifelong_V1_EdgeInference.Client(wrapping: $0).getStatus(.init()) }
        let name = status.node?.name ?? ""
        let fleet = try await gateway.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).listEdges(.init()) }
        guard let entry = fleet.edges.first(where: { $0.node?.name == name }), !entry.jobId.isEmpty else {
            throw CLIFailure(.local, "the gateway does not know which job node '\(name)' serves; give --job ID")
        }
        return entry.jobId
    }
}
