public import LifelongProto
import RPCCore

/// The training service's calls to task mining, over the generated client: a clustering
/// plan, and the relations, groups and detectors of a snapshot about to be published. The
/// samples go by reference (the job in the knowledge base), never inline. While task mining
/// is unreachable, calls wait and retry as the knowledge base's do (``UnreachableRetry``).
public struct TaskMiningAccess: Sendable {
    /// The generated client.
    public let client: Lifelong_V1_TaskMining.Client
    /// How calls wait while task mining is unreachable.
    public var retry = UnreachableRetry(service: "task mining")

    /// Wraps a client.
    public init(client: Lifelong_V1_TaskMining.Client) {
        self.client = client
    }

    /// Tasks by clustering the job's training samples (kinds TRAIN and LABELLED), with the
    /// allocator that routes samples to them.
    /// - Parameters:
    ///   - schema: The job's schema (its attribute columns play no part in clusters).
    ///   - clusters: The cluster-count range (0…0: task mining's default).
    ///   - minTaskSamples: Smallest cluster; smaller ones are merged.
    ///   - seed: Seed of the clustering.
    func clusteringPlan(
        job: String, schema: Lifelong_V1_FeatureSchema, clusters: ClosedRange<Int32>, minTaskSamples: Int, seed: UInt64,
        onWait: @Sendable (String) async -> Void
    ) async throws -> Lifelong_V1_DefineTasksResponse {
        var request = Lifelong_V1_DefineTasksRequest()
        request.source = Self.source(job: job, kinds: [])
        request.schema = schema
        request.method = .clustering
        request.minTaskSamples = Int32(clamping: minTaskSamples)
        request.minClusters = clusters.lowerBound
        request.maxClusters = clusters.upperBound
        request.seed = Int64(bitPattern: seed)
        let message = request
        return try await retry.run("defining the tasks of job \(job)", onWait: onWait) {
            try await client.defineTasks(message)
        }
    }

    /// The relations and groups of a snapshot's tasks, measured on the job's training samples.
    func relations(_ requests: MiningRequests, onWait: @Sendable (String) async -> Void) async throws
        -> Lifelong_V1_DiscoverRelationsResponse
    {
        let message = requests.relations
        return try await retry.run("discovering the relations of job \(message.source?.jobId ?? "")", onWait: onWait) {
            try await client.discoverRelations(message)
        }
    }

    /// The unseen-task detectors of a snapshot's tasks, calibrated on the job's EVAL samples
    /// (rows no model trained on), or on its training samples when it has none.
    func detectors(_ requests: MiningRequests, onWait: @Sendable (String) async -> Void) async throws
        -> [Lifelong_V1_UnseenTaskDetector]
    {
        let evalOnly = requests.detectors
        let anyKind = requests.detectorsOnTrainingSamples
        let what = "calibrating the detectors of job \(evalOnly.source?.jobId ?? "")"
        do {
            return try await retry.run(what, onWait: onWait) { try await client.buildDetectors(evalOnly) }.detectors
        } catch let error as RPCError where error.code == .notFound {
            return try await retry.run(what, onWait: onWait) { try await client.buildDetectors(anyKind) }.detectors
        }
    }

    private static func source(job: String, kinds: [Lifelong_V1_SampleKind]) -> Lifelong_V1_SampleSource {
        var source = Lifelong_V1_SampleSource()
        source.jobId = job
        source.kinds = kinds
        return source
    }
}
