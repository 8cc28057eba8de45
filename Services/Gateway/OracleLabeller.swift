import Foundation
import LifelongProto
import Logging
import SampleFiles
import Synchronization

/// The labelling oracle of demos and tests (`--oracle-file`, repeatable): each tick it labels
/// the unseen samples of every job whose keys a labelled file has — what a person does with
/// ListUnlabelled and LabelSamples, through the same path, so the labels count towards the
/// trigger. Files are read once per job (with that job's schema).
final class OracleLabeller: Sendable {
    let files: [URL]
    let service: GatewayService
    let logger: Logger
    private let oracles = Mutex<[String: [OracleLabels]]>([:])

    init(files: [URL], service: GatewayService, logger: Logger) {
        self.files = files
        self.service = service
        self.logger = logger
    }

    /// Labels what the files know, for every job.
    func labelWaiting() async {
        guard !files.isEmpty, let jobs = try? await service.store.jobs(limit: 0) else { return }
        for job in jobs {
            do {
                try await label(job)
            } catch {
                logger.warning("the oracle could not label", metadata: ["gateway.job": "\(job.id)", "gateway.error": "\(error)"])
            }
        }
    }

    private func label(_ job: Lifelong_V1_Job) async throws {
        let oracles = try self.oracles(for: job)
        var query = Lifelong_V1_ListSamplesRequest()
        query.jobId = job.id
        let waiting = try await service.kb.listSamples(GatewayService.waitingForLabels(query)) { batches in
            var samples: [Lifelong_V1_Sample] = []
            for try await batch in batches.messages { samples += batch.samples }
            return samples
        }
        let labels: [Lifelong_V1_SampleLabel] = waiting.compactMap { sample in
            guard let label = oracles.lazy.compactMap({ $0.label(forKey: sample.key) }).first else { return nil }
            var entry = Lifelong_V1_SampleLabel()
            entry.key = sample.key
            entry.label = label
            return entry
        }
        for start in stride(from: 0, to: labels.count, by: Self.labelsPerRequest) {
            var request = Lifelong_V1_AttachLabelsRequest()
            request.jobId = job.id
            request.labels = Array(labels[start..<min(start + Self.labelsPerRequest, labels.count)])
            let response = try await service.label(request, job: job)
            logger.info("oracle labelled samples", metadata: ["gateway.job": "\(job.id)", "gateway.labelled": "\(response.updated)"])
        }
    }

    static let labelsPerRequest = 1_000

    /// The files that fit the job's schema, read once; a file that does not fit (another
    /// job's) is reported once and left out.
    private func oracles(for job: Lifelong_V1_Job) throws -> [OracleLabels] {
        if let loaded = oracles.withLock({ $0[job.id] }) { return loaded }
        let schema = job.jobSpec.schema ?? Lifelong_V1_FeatureSchema()
        let loaded = files.compactMap { file -> OracleLabels? in
            do {
                return try OracleLabels(contentsOf: file, schema: schema)
            } catch {
                logger.warning("an oracle file does not fit the job", metadata: ["gateway.job": "\(job.id)", "gateway.error": "\(error)"])
                return nil
            }
        }
        oracles.withLock { $0[job.id] = loaded }
        return loaded
    }
}
