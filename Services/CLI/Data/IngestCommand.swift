import ArgumentParser
import Foundation
import LifelongClient
import SampleFiles

/// `lifelong ingest --job ID FILE.csv`: labelled samples to the gateway, streamed in batches.
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Ingest a labelled CSV file into a job (client-streamed batches; idempotent by sample key).",
        discussion: """
            The file is read with the job's schema (columns by name, in any order). Sample keys: the `key` \
            column if the file has one, else <file name without extension>:<data row> (round-1.csv row 3 is \
            round-1:3), so ingesting the same file twice stores nothing new. Rows without a label are skipped \
            and counted.
            """)

    @OptionGroup var connection: GatewayOptions
    @Option(help: "The job.")
    var job: String
    @Option(help: "What the samples are for: train or eval.")
    var kind: String = "train"
    @Option(help: "Samples per batch.")
    var batchSize: Int = 500
    @Argument(help: ArgumentHelp("The labelled CSV file.", valueName: "FILE.csv"))
    var file: String

    func validate() throws {
        guard ["train", "eval"].contains(kind) else { throw ValidationError("--kind must be train or eval, got '\(kind)'") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be > 0") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let service = try connection.connection()
            let data = try SampleFile(contentsOf: URL(fileURLWithPath: file))
            let job = try await service.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).getJob(Self.request(self.job)) }
            let all = try data.samples(schema: job.spec?.schema ?? .init(), jobID: job.id, kind: kind == "eval" ? .eval : .train)
            let samples = all.filter { $0.label?.present == true }
            let batches = stride(from: 0, to: samples.count, by: batchSize).map { Array(samples[$0..<min($0 + batchSize, samples.count)]) }
            let title = "ingest \(data.stem)", total = samples.count
            let response = try await service.call { client in
                try await Lifelong_V1_Gateway.Client(wrapping: client).ingestSamples { writer in
                    var bar = ProgressBar(title: title, total: total)
                    var sent = 0
                    for batch in batches {
                        var message = Lifelong_V1_SampleBatch()
                        message.samples = batch
                        try await writer.write(message)
                        sent += batch.count
                        bar.update(sent)
                    }
                    bar.finish()
                }
            }
            var summary = "ingested \(samples.count) samples into job \(job.id) as \(kind): \(response.inserted) inserted, \(response.duplicates) duplicates"
            if all.count > samples.count { summary += "; \(all.count - samples.count) rows without a label skipped" }
            Terminal.line(summary)
        }
    }

    static func request(_ job: String) -> Lifelong_V1_GetJobRequest {
        var request = Lifelong_V1_GetJobRequest()
        request.jobId = job
        return request
    }
}
