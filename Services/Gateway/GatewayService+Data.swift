import LifelongCore
public import LifelongProto
public import RPCCore

/// Data: labelled samples in, unseen samples from edges, the labelling queue.
extension GatewayService {
    /// Stores labelled samples in the knowledge base (idempotent by key there). Samples
    /// without a kind (or LABELLED) are split into TRAIN and EVAL by key, with the job's train
    /// fraction; EVAL samples become the test set of the round that will learn them. Newly
    /// stored samples count towards the trigger.
    public func ingestSamples(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        try await forward(request) { sample, job, index in
            try SampleRules.checkLabelled(sample, schema: job.jobSpec.schema ?? .init(), field: "samples[\(index)]")
            var sample = sample
            switch sample.kind {
            case .train, .eval: break
            case .unspecified, .labelled:
                let fraction = job.jobSpec.trainFraction > 0 ? job.jobSpec.trainFraction : 0.8
                sample.kind = LabelledSet.isHeldOut(key: sample.key, trainFraction: fraction) ? .eval : .train
            default:
                throw JobSpecRules.invalid("samples[\(index)].kind", "unseen samples come from edges through UploadUnseen")
            }
            return sample
        } stored: { job, samples, response in
            let round = job.state == .running || job.state == .starting ? job.roundsCompleted + 2 : job.roundsCompleted + 1
            try await store.recordEval(job.id, keys: samples.filter { $0.kind == .eval }.map(\.key), round: round)
            let tasks = Set(samples.compactMap { SampleRules.task(of: $0, job: job) })
            try await store.addPending(job.id, count: response.inserted, tasks: tasks)
        }
    }

    /// Stores unseen samples an edge uploads (kind UNSEEN, unlabelled until labelled).
    public func uploadUnseen(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        try await forward(request) { sample, job, index in
            try SampleRules.checkFeatures(sample, schema: job.jobSpec.schema ?? .init(), field: "samples[\(index)]")
            try JobSpecRules.identifier(sample.edgeNode, field: "samples[\(index)].edge_node")
            try EdgeAccess.require(node: sample.edgeNode, field: "samples[\(index)].edge_node")
            var sample = sample
            sample.kind = .unseen
            sample.label = Lifelong_V1_Label()
            return sample
        } stored: { job, samples, _ in
            for (node, group) in Dictionary(grouping: samples, by: \.edgeNode) {
                try await store.recordUnseen(
                    job.id, keys: group.map(\.key), tasks: group.map { SampleRules.task(of: $0, job: job) ?? "" }, node: node)
            }
        }
    }

    /// Checks and rewrites each batch of a client stream and stores it in the knowledge base
    /// (one AddSamples per batch), then lets `stored` record it: a stream refused half-way
    /// keeps, and has counted, the batches before. Every sample must name the same job.
    private func forward(
        _ request: RPCAsyncSequence<Lifelong_V1_SampleBatch>,
        rewrite: (Lifelong_V1_Sample, Lifelong_V1_Job, Int) throws -> Lifelong_V1_Sample,
        stored: (Lifelong_V1_Job, [Lifelong_V1_Sample], Lifelong_V1_AddSamplesResponse) async throws -> Void
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        var job: Lifelong_V1_Job?
        var index = 0
        var total = Lifelong_V1_AddSamplesResponse()
        for try await batch in request {
            var out = Lifelong_V1_SampleBatch()
            for sample in batch.samples {
                let field = "samples[\(index)]"
                try JobSpecRules.identifier(sample.jobId, field: "\(field).job_id")
                if job == nil { job = try await store.job(sample.jobId) }
                guard let current = job, current.id == sample.jobId else {
                    throw JobSpecRules.invalid("\(field).job_id", "'\(sample.jobId)' differs from '\(job?.id ?? "")': one stream carries one job's samples")
                }
                try SampleRules.checkKey(sample.key, field: "\(field).key")
                out.samples.append(try rewrite(sample, current, index))
                index += 1
            }
            guard let current = job, !out.samples.isEmpty else { continue }
            let message = out
            let response = try await kb.addSamples { writer in try await writer.write(message) }
            try await stored(current, out.samples, response)
            total.inserted += response.inserted
            total.duplicates += response.duplicates
        }
        return total
    }

    /// Streams the job's unseen samples that wait for a label.
    public func listUnlabelled(
        request: Lifelong_V1_ListSamplesRequest, response: RPCWriter<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws {
        _ = try await store.job(try Self.jobID(request.jobId))
        try await kb.listSamples(Self.waitingForLabels(request)) { batches in
            for try await batch in batches.messages { try await response.write(batch) }
        }
    }

    /// The knowledge base's query for a job's unseen samples that wait for a label (`request`'s
    /// paging and time bounds kept).
    static func waitingForLabels(_ request: Lifelong_V1_ListSamplesRequest) -> Lifelong_V1_ListSamplesRequest {
        var query = request
        query.kinds = [.unseen]
        query.labelState = .unlabelled
        return query
    }

    /// Labels samples in the knowledge base; unseen samples labelled for the first time count
    /// towards the trigger, for the task their attributes (or the label's task) name.
    public func labelSamples(request: Lifelong_V1_AttachLabelsRequest, context: ServerContext) async throws
        -> Lifelong_V1_AttachLabelsResponse
    {
        let job = try await store.job(try Self.jobID(request.jobId))
        let schema = job.jobSpec.schema ?? .init()
        for (index, entry) in request.labels.enumerated() {
            try SampleRules.checkLabel(entry.label, schema: schema, field: "labels[\(index)].label")
        }
        return try await label(request, job: job)
    }

    /// Attaches labels and counts the newly labelled unseen samples towards the trigger.
    func label(_ request: Lifelong_V1_AttachLabelsRequest, job: Lifelong_V1_Job) async throws -> Lifelong_V1_AttachLabelsResponse {
        let response = try await kb.attachLabels(request)
        let unknown = Set(response.unknownKeys)
        let labelled = try await store.markLabelled(job.id, keys: request.labels.map(\.key).filter { !unknown.contains($0) })
        let named = Set(request.labels.map(\.taskName).filter { !$0.isEmpty })
        try await store.addPending(job.id, count: labelled.count, tasks: labelled.tasks.union(named))
        return response
    }
}
