public import LifelongProto
import Logging
public import RPCCore

/// The KnowledgeBase service of the contract (`lifelong.v1.KnowledgeBase`), over the stores.
/// Every error leaves through ``KnowledgeBaseError``, which maps it to its gRPC status.
public struct KnowledgeBaseService: Lifelong_V1_KnowledgeBase.SimpleServiceProtocol {
    let snapshots: SnapshotStore
    let models: ModelStore
    let samples: SampleStore
    let tasks: TaskQuery
    let watcher: SnapshotWatcher
    let logger: Logger
    let metrics: KnowledgeBaseMetrics

    /// Runs a handler body, logging failures, counting calls and converting every error to
    /// its status.
    private func serve<T>(_ method: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let value = try await body()
            metrics.record(method: method, status: "OK", duration: .now - start)
            return value
        } catch {
            let classified = KnowledgeBaseError.classify(error)
            metrics.record(method: method, status: "\(classified.rpcError.code)", duration: .now - start)
            switch classified.code {
            case .internalError, .dataLoss, .unavailable:
                logger.warning(
                    "call failed", metadata: ["rpc.method": "\(method)", "kb.error": "\(classified)"])
            default:
                logger.debug("call failed", metadata: ["rpc.method": "\(method)", "kb.error": "\(classified)"])
            }
            throw classified.rpcError
        }
    }

    public func publishSnapshot(
        request: Lifelong_V1_PublishSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_PublishSnapshotResponse {
        try await serve("PublishSnapshot") {
            let response = try await snapshots.publish(try PreparedSnapshot.unwrap(request.snapshot))
            logger.info(
                "snapshot published",
                metadata: ["kb.job": "\(request.snapshot?.jobId ?? "")", "kb.version": "\(response.version)"])
            return response
        }
    }

    public func getSnapshot(
        request: Lifelong_V1_GetSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_TaskIndexSnapshot {
        try await serve("GetSnapshot") { try await snapshots.get(jobID: request.jobId, version: request.version) }
    }

    public func listVersions(
        request: Lifelong_V1_ListVersionsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_ListVersionsResponse {
        try await serve("ListVersions") { try await snapshots.list(request) }
    }

    public func diffSnapshots(
        request: Lifelong_V1_DiffSnapshotsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_SnapshotDiff {
        try await serve("DiffSnapshots") { try await snapshots.diff(request) }
    }

    public func rollbackSnapshot(
        request: Lifelong_V1_RollbackSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_PublishSnapshotResponse {
        try await serve("RollbackSnapshot") {
            let response = try await snapshots.rollback(request)
            logger.info(
                "snapshot rolled back",
                metadata: ["kb.job": "\(request.jobId)", "kb.version": "\(response.version)", "kb.to": "\(request.toVersion)"])
            return response
        }
    }

    public func watchSnapshots(
        request: Lifelong_V1_WatchSnapshotsRequest, response: RPCWriter<Lifelong_V1_SnapshotEvent>,
        context: ServerContext
    ) async throws {
        try await serve("WatchSnapshots") { try await watcher.watch(request, to: response) }
    }

    public func queryTasks(
        request: Lifelong_V1_QueryTasksRequest, context: ServerContext
    ) async throws -> Lifelong_V1_QueryTasksResponse {
        try await serve("QueryTasks") { try await tasks.query(request) }
    }

    public func getTask(request: Lifelong_V1_GetTaskRequest, context: ServerContext) async throws -> Lifelong_V1_TaskDetail {
        try await serve("GetTask") { try await tasks.task(request) }
    }

    public func putModel(
        request: RPCAsyncSequence<Lifelong_V1_ModelChunk>, context: ServerContext
    ) async throws -> Lifelong_V1_PutModelResponse {
        try await serve("PutModel") {
            let response = try await models.put(request)
            logger.info(
                "model stored",
                metadata: [
                    "kb.model": "\(response.reference?.sha256 ?? "")", "kb.bytes": "\(response.reference?.sizeBytes ?? 0)",
                    "kb.deduplicated": "\(response.deduplicated)",
                ])
            return response
        }
    }

    public func getModel(
        request: Lifelong_V1_GetModelRequest, response: RPCWriter<Lifelong_V1_ModelChunk>, context: ServerContext
    ) async throws {
        try await serve("GetModel") { try await models.get(request, to: response) }
    }

    public func addSamples(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        try await serve("AddSamples") { try await samples.add(request) }
    }

    public func listSamples(
        request: Lifelong_V1_ListSamplesRequest, response: RPCWriter<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws {
        try await serve("ListSamples") { try await samples.list(request, to: response) }
    }

    public func attachLabels(
        request: Lifelong_V1_AttachLabelsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_AttachLabelsResponse {
        try await serve("AttachLabels") { try await samples.attachLabels(request) }
    }
}

extension PreparedSnapshot {
    static func unwrap(_ snapshot: Lifelong_V1_TaskIndexSnapshot?) throws -> Lifelong_V1_TaskIndexSnapshot {
        guard let snapshot else { throw KnowledgeBaseError.invalid("snapshot is missing") }
        return snapshot
    }
}
