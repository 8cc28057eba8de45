import LifelongProto

/// Resolves a request's `SampleSource`: the samples given inline when there are any (the job
/// and range are then ignored, as the contract says), else the job's samples in the
/// knowledge base.
struct SampleSourceReader: Sendable {
    /// Reads stored samples.
    let knowledgeBase: KnowledgeBaseSampleReader

    /// The samples of a source.
    /// - Throws: ``TaskMiningError``: INVALID_ARGUMENT naming the field of a missing source,
    ///   an unknown kind or a bad sequence range; RESOURCE_EXHAUSTED for too many inline
    ///   samples; what ``KnowledgeBaseSampleReader`` throws.
    func samples(_ source: Lifelong_V1_SampleSource?) async throws -> MinedSamples {
        guard let source else { throw TaskMiningError.invalid("source", "is missing: give samples inline or a job_id") }
        let maximum = knowledgeBase.limits.maximumSamples
        if !source.samples.isEmpty {
            guard source.samples.count <= maximum else {
                throw TaskMiningError(
                    .resourceExhausted, "source.samples: \(source.samples.count) samples; the limit is \(maximum)")
            }
            return MinedSamples(samples: source.samples, origin: .inline(field: "source.samples"))
        }
        guard !source.jobId.isEmpty else {
            throw TaskMiningError.invalid("source", "has neither samples nor a job_id")
        }
        for (index, kind) in source.kinds.enumerated() {
            switch kind {
            case .train, .eval, .unseen, .labelled: continue
            default: throw TaskMiningError.invalid("source.kinds[\(index)]", "is not a sample kind (\(kind.rawValue))")
            }
        }
        guard source.fromSequence >= 0 else {
            throw TaskMiningError.invalid("source.from_sequence", "must be >= 0, got \(source.fromSequence)")
        }
        guard source.toSequence >= 0, source.toSequence == 0 || source.toSequence >= source.fromSequence else {
            throw TaskMiningError.invalid(
                "source.to_sequence", "must be 0 (no end) or >= from_sequence (\(source.fromSequence)), got \(source.toSequence)")
        }
        let range = max(source.fromSequence, 1)...(source.toSequence == 0 ? Int64.max : source.toSequence)
        return try await knowledgeBase.samples(job: source.jobId, kinds: source.kinds, sequences: range)
    }
}
