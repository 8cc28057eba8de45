import LifelongProto
import RPCCore

/// Reads a job's samples from the knowledge base over its generated client (ListSamples),
/// within a range of sequence numbers.
///
/// The range starts through the ListSamples cursor, whose form `s1.<sequence>` (the last
/// sequence sent) the knowledge base documents (docs/knowledge-base.md), and ends by leaving
/// the stream as soon as a sample lies past it: samples come in sequence order.
struct KnowledgeBaseSampleReader: Sendable {
    /// The knowledge base.
    let client: Lifelong_V1_KnowledgeBase.Client
    /// Batch size and the most samples a call may read.
    let limits: TaskMiningConfiguration.Limits

    /// The kinds read when a source names none.
    static let defaultKinds: [Lifelong_V1_SampleKind] = [.train, .labelled]

    /// The job's samples of the given kinds with sequence numbers in `sequences`.
    /// - Throws: ``TaskMiningError``: NOT_FOUND when there is none, RESOURCE_EXHAUSTED beyond
    ///   `limits.maximumSamples`, UNAVAILABLE when the knowledge base cannot be reached, and
    ///   INVALID_ARGUMENT for what the knowledge base rejects.
    func samples(
        job: String, kinds: [Lifelong_V1_SampleKind], sequences: ClosedRange<Int64>
    ) async throws -> MinedSamples {
        var request = Lifelong_V1_ListSamplesRequest()
        request.jobId = job
        request.kinds = kinds.isEmpty ? Self.defaultKinds : kinds
        request.batchSize = Int32(limits.listBatchSize)
        request.limit = Int64(limits.maximumSamples) + 1
        if sequences.lowerBound > 1 { request.cursor = "s1.\(sequences.lowerBound - 1)" }
        let maximum = limits.maximumSamples
        let samples: [Lifelong_V1_Sample]
        do {
            samples = try await client.listSamples(request) { response in
                var samples: [Lifelong_V1_Sample] = []
                reading: for try await batch in response.messages {
                    for sample in batch.samples {
                        guard sequences.contains(sample.sequence) else { break reading }
                        samples.append(sample)
                    }
                    if samples.count > maximum {
                        throw TaskMiningError(
                            .resourceExhausted,
                            "source: job '\(job)' has more than \(maximum) samples in the range; narrow it with from_sequence and to_sequence")
                    }
                }
                return samples
            }
        } catch let error as RPCError {
            throw Self.classify(error, job: job)
        }
        guard !samples.isEmpty else {
            let kindNames = request.kinds.map { "\($0)" }.joined(separator: ", ")
            throw TaskMiningError(
                .notFound,
                "source.job_id: the knowledge base holds no sample of job '\(job)' of kinds \(kindNames) with sequence numbers \(sequences.lowerBound)…\(sequences.upperBound == .max ? "" : "\(sequences.upperBound)")")
        }
        return MinedSamples(samples: samples, origin: .knowledgeBase(job: job))
    }

    /// What a failed ListSamples call means for the caller of task mining.
    static func classify(_ error: RPCError, job: String) -> TaskMiningError {
        switch error.code {
        case .invalidArgument:
            return TaskMiningError(.invalidArgument, "source: the knowledge base rejects the query: \(error.message)", cause: error)
        case .notFound:
            return TaskMiningError(.notFound, "source.job_id: \(error.message)", cause: error)
        case .deadlineExceeded:
            return TaskMiningError(.deadlineExceeded, "reading job '\(job)' from the knowledge base ran out of time", cause: error)
        case .cancelled:
            return TaskMiningError(.cancelled, "the call was cancelled while reading the knowledge base", cause: error)
        case .resourceExhausted:
            return TaskMiningError(.resourceExhausted, "the knowledge base: \(error.message)", cause: error)
        case .internalError, .unknown, .unimplemented, .dataLoss:
            return TaskMiningError(.internalError, "the knowledge base failed: \(error.message)", cause: error)
        default:
            return TaskMiningError(.unavailable, "the knowledge base is unavailable (\(error.code)); retry", cause: error)
        }
    }
}
