public import LifelongProto
public import Logging
public import RPCCore

/// The `lifelong.v1.EdgeInference` service: local predictions from the snapshot in the store,
/// the node's status, an immediate sync, and the egress policy.
public struct EdgeInferenceService: Lifelong_V1_EdgeInference.SimpleServiceProtocol {
    let engine: EdgeInferenceEngine
    let node: EdgeNodeState
    let logger: Logger

    /// Creates the service.
    public init(engine: EdgeInferenceEngine, node: EdgeNodeState, logger: Logger) {
        self.engine = engine
        self.node = node
        self.logger = logger
    }

    public func infer(request: Lifelong_V1_InferRequest, context: ServerContext) async throws -> Lifelong_V1_InferResponse {
        try await answer(request)
    }

    public func inferStream(
        request: RPCAsyncSequence<Lifelong_V1_InferRequest>, response: RPCWriter<Lifelong_V1_InferResponse>, context: ServerContext
    ) async throws {
        for try await batch in request {
            try await response.write(try await answer(batch))
        }
    }

    /// Checks and predicts one batch (the whole batch is refused when any sample is bad).
    private func answer(_ request: Lifelong_V1_InferRequest) async throws -> Lifelong_V1_InferResponse {
        try engine.checkBatchSize(request.inputs.count, field: "inputs")
        let answer = try await engine.infer(request.inputs.map(EdgeSampleInput.init)) { sample, part in "inputs[\(sample)].\(part)" }
        var response = Lifelong_V1_InferResponse()
        response.predictions = answer.predictions.indices.map(answer.message(of:))
        logger.debug(
            "batch answered",
            metadata: [
                "edge.samples": "\(response.predictions.count)", "edge.unseen": "\(answer.predictions.filter(\.unseen).count)",
                "edge.snapshot.version": "\(answer.snapshot.version)",
            ])
        return response
    }

    public func getStatus(request: Lifelong_V1_GetStatusRequest, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus {
        try node.status()
    }

    public func syncNow(request: Lifelong_V1_SyncNowRequest, context: ServerContext) async throws -> Lifelong_V1_SyncNowResponse {
        await node.syncNow()
    }

    public func setEgressPolicy(request: Lifelong_V1_EgressPolicy, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus {
        try node.setEgressPolicy(request)
        return try node.status()
    }

    public func rollbackSnapshot(request: Lifelong_V1_EdgeRollbackRequest, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus {
        guard request.fromVersion >= 0 else { throw EdgeError.invalid("from_version", "must be >= 0 (0 = whichever is served)") }
        try await node.rollback(expecting: request.fromVersion)
        let status = try node.status()
        logger.notice(
            "rolled back", metadata: ["edge.snapshot.version": "\(status.snapshotVersion)", "edge.snapshot.refused": "\(status.refusedVersion)"])
        return status
    }
}
