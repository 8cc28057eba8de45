import LifelongProto

/// The samples one call mines, inline or read from the knowledge base, and how an error
/// names one of them: `source.samples[3]` for inline samples, the sequence number and key for
/// stored ones.
struct MinedSamples: Sendable {
    /// Where the samples came from.
    enum Origin: Sendable {
        /// Given in the request, under this field (`source.samples`, `samples`).
        case inline(field: String)
        /// Read from the knowledge base for this job.
        case knowledgeBase(job: String)
    }

    /// The samples, in request or sequence order.
    var samples: [Lifelong_V1_Sample]
    /// Where they came from.
    var origin: Origin

    /// How an error names sample `index`.
    func name(_ index: Int) -> String {
        switch origin {
        case .inline(let field): return "\(field)[\(index)]"
        case .knowledgeBase(let job):
            let sample = samples[index]
            return "sample \(sample.sequence) (key '\(sample.key)') of job '\(job)'"
        }
    }
}
