public import LifelongProto
public import RPCCore

/// Edges: registration, heartbeats, snapshots and the fleet view. An edge token may act only
/// for its own node (``EdgeAccess``).
extension GatewayService {
    public func registerEdge(request: Lifelong_V1_EdgeNode, context: ServerContext) async throws -> Lifelong_V1_RegisterEdgeResponse {
        try JobSpecRules.identifier(request.name, field: "name")
        try EdgeAccess.require(node: request.name, field: "name")
        let jobID = request.attributes.first { $0.name == "job_id" }?.value ?? ""
        var response = Lifelong_V1_RegisterEdgeResponse()
        if !jobID.isEmpty { response.latestVersion = try await servedJob(jobID, node: request.name).deployedVersion }
        try await store.register(request, job: jobID)
        response.node = request
        return response
    }

    public func heartbeat(request: Lifelong_V1_EdgeHeartbeat, context: ServerContext) async throws -> Lifelong_V1_HeartbeatResponse {
        try JobSpecRules.identifier(request.node, field: "node")
        try EdgeAccess.require(node: request.node, field: "node")
        let job = try await servedJob(try Self.jobID(request.jobId), node: request.node)
        try await store.heartbeat(request)
        var response = Lifelong_V1_HeartbeatResponse()
        response.latestVersion = job.deployedVersion
        response.egress = Self.egress(of: job)
        return response
    }

    /// The job's egress policy for its edges: the spec's, else UNSEEN_ONLY without a ratio bound.
    static func egress(of job: Lifelong_V1_Job) -> Lifelong_V1_EgressPolicy {
        if let policy = job.jobSpec.egress, policy.mode != .unspecified { return policy }
        var policy = Lifelong_V1_EgressPolicy()
        policy.mode = .unseenOnly
        return policy
    }

    /// The job, when `node` may serve it (PERMISSION_DENIED when the spec names other nodes).
    private func servedJob(_ id: String, node: String) async throws -> Lifelong_V1_Job {
        let job = try await store.job(id)
        guard job.jobSpec.edgeNodes.isEmpty || job.jobSpec.edgeNodes.contains(node) else {
            throw RPCError(code: .permissionDenied, message: "node: '\(node)' is not among the edge nodes of job '\(id)'")
        }
        return job
    }

    /// Streams a snapshot from the knowledge base, then each model it references that the node
    /// does not hold, as the knowledge base's chunks.
    public func pullSnapshot(
        request: Lifelong_V1_PullSnapshotRequest, response: RPCWriter<Lifelong_V1_SnapshotBundlePart>, context: ServerContext
    ) async throws {
        try JobSpecRules.identifier(request.node, field: "node")
        try EdgeAccess.require(node: request.node, field: "node")
        guard request.version >= 0 else { throw JobSpecRules.invalid("version", "must be >= 0 (0 = latest)") }
        let job = try await servedJob(try Self.jobID(request.jobId), node: request.node)
        var query = Lifelong_V1_GetSnapshotRequest()
        query.jobId = job.id
        query.version = request.version == 0 ? job.deployedVersion : request.version
        guard query.version > 0 else {
            throw RPCError(code: .notFound, message: "version: job '\(job.id)' has not deployed a snapshot yet")
        }
        let snapshot = try await kb.getSnapshot(query)
        var part = Lifelong_V1_SnapshotBundlePart()
        part.part = .snapshot(snapshot)
        try await response.write(part)
        let held = Set(request.haveModels)
        for digest in SnapshotModels.digests(of: snapshot) where !held.contains(digest) {
            var model = Lifelong_V1_GetModelRequest()
            model.sha256 = digest
            try await kb.getModel(model) { chunks in
                for try await chunk in chunks.messages {
                    var part = Lifelong_V1_SnapshotBundlePart()
                    part.part = .modelChunk(chunk)
                    try await response.write(part)
                }
            }
        }
    }

    /// Passes the knowledge base's watch of the job's versions through.
    public func watchSnapshots(
        request: Lifelong_V1_WatchSnapshotsRequest, response: RPCWriter<Lifelong_V1_SnapshotEvent>, context: ServerContext
    ) async throws {
        _ = try await store.job(try Self.jobID(request.jobId))
        try await kb.watchSnapshots(request) { events in
            for try await event in events.messages { try await response.write(event) }
        }
    }

    public func listEdges(request: Lifelong_V1_ListEdgesRequest, context: ServerContext) async throws -> Lifelong_V1_ListEdgesResponse {
        if !request.jobId.isEmpty { _ = try await store.job(try Self.jobID(request.jobId)) }
        var latest: [String: Int64] = [:]
        for job in try await store.jobs(limit: 0) { latest[job.id] = job.deployedVersion }
        var response = Lifelong_V1_ListEdgesResponse()
        response.edges = try await store.edges(job: request.jobId).map { entry in
            var entry = entry
            entry.latestVersion = latest[entry.jobId] ?? 0
            return entry
        }
        return response
    }
}

/// The models a snapshot references (task assignments and their fallbacks, groups, the global
/// model), each once, in a stable order.
enum SnapshotModels {
    static func digests(of snapshot: Lifelong_V1_TaskIndexSnapshot) -> [String] {
        var references: [Lifelong_V1_ModelReference?] = [snapshot.globalModel]
        for assignment in snapshot.assignments {
            references.append(assignment.model)
            references += assignment.fallbacks.map(\.model)
        }
        references += snapshot.groups.map(\.model)
        var seen = Set<String>()
        return references.compactMap { $0?.sha256 }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
