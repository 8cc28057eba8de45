import ContentDigest
import LifelongCore
public import LifelongProto
import RPCCore

/// The training service's calls to the knowledge base, over the generated client. A call
/// that finds the KB unreachable (UNAVAILABLE) is retried with backoff for as long as the
/// calling task runs, and each wait is reported to `onWait` (the run's WAITING events).
public struct KnowledgeBaseAccess: Sendable {
    /// The generated client.
    public let client: Lifelong_V1_KnowledgeBase.Client
    /// How calls wait while the KB is unreachable.
    public var retry = UnreachableRetry(service: "knowledge base")

    /// Wraps a client.
    public init(client: Lifelong_V1_KnowledgeBase.Client) {
        self.client = client
    }

    /// Runs `call`, retrying while the KB is unreachable (``UnreachableRetry``).
    func retrying<T: Sendable>(
        _ what: String, onWait: @Sendable (String) async -> Void, _ call: @Sendable () async throws -> T
    ) async throws -> T {
        try await retry.run(what, onWait: onWait, call)
    }

    /// A job's snapshot; nil when the job has none and `version` is 0 (latest).
    /// - Throws: ``TrainingError`` NOT_FOUND naming the version when it does not exist.
    func snapshot(job: String, version: Int64, onWait: @Sendable (String) async -> Void) async throws
        -> Lifelong_V1_TaskIndexSnapshot?
    {
        var request = Lifelong_V1_GetSnapshotRequest()
        request.jobId = job
        request.version = version
        let message = request
        do {
            return try await retrying("reading snapshot \(version) of job \(job)", onWait: onWait) {
                try await client.getSnapshot(message)
            }
        } catch let error as RPCError where error.code == .notFound {
            guard version > 0 else { return nil }
            throw TrainingError(.notFound, "base_version: job '\(job)' has no snapshot version \(version)", cause: error)
        }
    }

    /// Every labelled sample of a job that can train or evaluate (kinds train, eval and
    /// labelled), in sequence order.
    func labelledSamples(job: String, onWait: @Sendable (String) async -> Void) async throws -> [Lifelong_V1_Sample] {
        var request = Lifelong_V1_ListSamplesRequest()
        request.jobId = job
        request.kinds = [.train, .eval, .labelled]
        request.labelState = .labelled
        request.batchSize = 5_000
        let message = request
        return try await retrying("reading the samples of job \(job)", onWait: onWait) {
            try await client.listSamples(message) { response in
                var samples: [Lifelong_V1_Sample] = []
                for try await batch in response.messages { samples += batch.samples }
                return samples
            }
        }
    }

    /// Stores a model (content-addressed: storing it again is harmless).
    /// - Returns: Its reference.
    func putModel(
        _ model: StoredModel, task: String, metrics: [Lifelong_V1_Metrics], onWait: @Sendable (String) async -> Void
    ) async throws -> Lifelong_V1_ModelReference {
        var reference = Lifelong_V1_ModelReference()
        reference.sha256 = model.digest
        reference.sizeBytes = Int64(model.bytes.count)
        var metadata = Lifelong_V1_ModelMetadata()
        metadata.reference = reference
        metadata.format = Self.modelFormat
        metadata.taskName = task
        metadata.metrics = metrics
        let header = metadata
        let expected = reference
        let chunkBytes = 1 << 20
        return try await retrying("storing the model of \(task.isEmpty ? "the job" : "task \(task)")", onWait: onWait) {
            try await client.putModel { writer in
                var offset = 0
                repeat {
                    var chunk = Lifelong_V1_ModelChunk()
                    if offset == 0 { chunk.metadata = header }
                    let end = min(offset + chunkBytes, model.bytes.count)
                    chunk.data = Array(model.bytes[offset..<end])
                    try await writer.write(chunk)
                    offset = end
                } while offset < model.bytes.count
            }.reference ?? expected
        }
    }

    /// A stored model's bytes, checked against its digest.
    func model(sha256: String, onWait: @Sendable (String) async -> Void) async throws -> StoredModel {
        var request = Lifelong_V1_GetModelRequest()
        request.sha256 = sha256
        let message = request
        let bytes = try await retrying("reading model \(sha256)", onWait: onWait) {
            try await client.getModel(message) { response in
                var bytes: [UInt8] = []
                for try await chunk in response.messages { bytes += chunk.data }
                return bytes
            }
        }
        return try StoredModel(bytes: bytes, expectedDigest: sha256)
    }

    /// Publishes a snapshot (compare-and-set on its base version; ABORTED passes through).
    /// - Returns: The version published (or made before under the same request id).
    func publish(
        _ snapshot: Lifelong_V1_TaskIndexSnapshot, requestID: String, onWait: @Sendable (String) async -> Void
    ) async throws -> Int64 {
        var request = Lifelong_V1_PublishSnapshotRequest()
        request.snapshot = snapshot
        request.requestId = requestID
        let message = request
        return try await retrying("publishing a snapshot of job \(snapshot.jobId)", onWait: onWait) {
            try await client.publishSnapshot(message).version
        }
    }

    /// The format name of the models training stores.
    static let modelFormat = "lifelong.model.v1"
}
