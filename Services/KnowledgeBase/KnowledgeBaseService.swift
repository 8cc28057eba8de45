public import LifelongProto
import Logging
public import RPCCore

/// The KnowledgeBase service of the contract (`lifelong.v1.KnowledgeBase`), over the stores.
/// Handlers keep only their logic: errors become statuses through ``KnowledgeBaseError/rpcError(for:)``
/// (installed as an interceptor with the service), calls are counted and logged by the host.
public struct KnowledgeBaseService: Lifelong_V1_KnowledgeBase.SimpleServiceProtocol {
    let snapshots: SnapshotStore
    let models: ModelStore
    let samples: SampleStore
    let tasks: TaskQuery
    let watcher: SnapshotWatcher
    let logger: Logger

    public func publishSnapshot(
        request: Lifelong_V1_PublishSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_PublishSnapshotResponse {
        let response = try await snapshots.publish(try PreparedSnapshot.unwrap(request.snapshot), requestID: request.requestId)
        logger.info(
            "snapshot published",
            metadata: ["kb.job": "\(request.snapshot?.jobId ?? "")", "kb.version": "\(response.version)"])
        return response
    }

    public func getSnapshot(
        request: Lifelong_V1_GetSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_TaskIndexSnapshot {
        try await snapshots.get(jobID: request.jobId, version: request.version)
    }

    public func listVersions(
        request: Lifelong_V1_ListVersionsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_ListVersionsResponse {
        try await snapshots.list(request)
    }

    public func diffSnapshots(
        request: Lifelong_V1_DiffSnapshotsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_SnapshotDiff {
        try await snapshots.diff(request)
    }

    public func rollbackSnapshot(
        request: Lifelong_V1_RollbackSnapshotRequest, context: ServerContext
    ) async throws -> Lifelong_V1_PublishSnapshotResponse {
        let response = try await snapshots.rollback(request)
        logger.info(
            "snapshot rolled back",
            metadata: ["kb.job": "\(request.jobId)", "kb.version": "\(response.version)", "kb.to": "\(request.toVersion)"])
        return response
    }

    public func watchSnapshots(
        request: Lifelong_V1_WatchSnapshotsRequest, response: RPCWriter<Lifelong_V1_SnapshotEvent>,
        context: ServerContext
    ) async throws {
        try await watcher.watch(request, to: response)
    }

    public func queryTasks(
        request: Lifelong_V1_QueryTasksRequest, context: ServerContext
    ) async throws -> Lifelong_V1_QueryTasksResponse {
        try await tasks.query(request)
    }

    public func getTask(request: Lifelong_V1_GetTaskRequest, context: ServerContext) async throws -> Lifelong_V1_TaskDetail {
        try await tasks.task(request)
    }

    public func putModel(
        request: RPCAsyncSequence<Lifelong_V1_ModelChunk>, context: ServerContext
    ) async throws -> Lifelong_V1_PutModelResponse {
        let response = try await models.put(request)
        logger.info(
            "model stored",
            metadata: [
                "kb.model": "\(response.reference?.sha256 ?? "")", "kb.bytes": "\(response.reference?.sizeBytes ?? 0)",
                "kb.deduplicated": "\(response.deduplicated)",
            ])
        return response
    }

    public func getModel(
        request: Lifelong_V1_GetModelRequest, response: RPCWriter<Lifelong_V1_ModelChunk>, context: ServerContext
    ) async throws {
        try await models.get(request, to: response)
    }

    public func addSamples(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        try await samples.add(request)
    }

    public func listSamples(
        request: Lifelong_V1_ListSamplesRequest, response: RPCWriter<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws {
        try await samples.list(request, to: response)
    }

    public func attachLabels(
        request: Lifelong_V1_AttachLabelsRequest, context: ServerContext
    ) async throws -> Lifelong_V1_AttachLabelsResponse {
        try await samples.attachLabels(request)
    }
}

extension PreparedSnapshot {
    static func unwrap(_ snapshot: Lifelong_V1_TaskIndexSnapshot?) throws -> Lifelong_V1_TaskIndexSnapshot {
        guard let snapshot else { throw KnowledgeBaseError.invalid("snapshot is missing") }
        return snapshot
    }
}
