import LifelongProto
import RPCCore
import Synchronization

/// An in-process gateway for the CLI's client commands, hosted on loopback over real HTTP/2:
/// it records what the CLI sent (specs, samples, labels, the authorization metadata) and
/// answers with what the test put in `state`. Edge calls of the gateway: UNIMPLEMENTED.
final class CLIGatewayDouble: Lifelong_V1_Gateway.SimpleServiceProtocol, Sendable {
    struct State: Sendable {
        var jobs: [String: Lifelong_V1_Job] = [:]
        var createdSpecs: [Lifelong_V1_JobSpec] = []
        var ingested: [Lifelong_V1_Sample] = []
        var ingestBatches = 0
        var unlabelled: [Lifelong_V1_Sample] = []
        var labels: [Lifelong_V1_SampleLabel] = []
        var report = Lifelong_V1_Report()
        var fleet: [Lifelong_V1_FleetEntry] = []
        var events: [Lifelong_V1_JobProgressEvent] = []
        /// The `authorization` metadata of every call.
        var authorizations: [String] = []
    }

    let state = Mutex(State())

    private func record(_ context: ServerContext) {
        let value = context.metadata[stringValues: "authorization"].first ?? ""
        state.withLock { $0.authorizations.append(value) }
    }

    private func job(_ id: String) throws -> Lifelong_V1_Job {
        guard let job = state.withLock({ $0.jobs[id] }) else { throw RPCError(code: .notFound, message: "no job '\(id)'") }
        return job
    }

    func createJob(request: Lifelong_V1_JobSpec, context: ServerContext) async throws -> Lifelong_V1_Job {
        record(context)
        return state.withLock { state in
            state.createdSpecs.append(request)
            var job = Lifelong_V1_Job()
            job.id = "job-\(state.createdSpecs.count)"
            job.spec = request
            job.stage = .train
            job.state = .waiting
            state.jobs[job.id] = job
            return job
        }
    }

    func getJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        record(context)
        return try job(request.jobId)
    }

    func listJobs(request: Lifelong_V1_ListJobsRequest, context: ServerContext) async throws -> Lifelong_V1_ListJobsResponse {
        record(context)
        var response = Lifelong_V1_ListJobsResponse()
        response.jobs = state.withLock { $0.jobs.values.sorted { $0.id < $1.id } }
        return response
    }

    func watchJob(
        request: Lifelong_V1_GetJobRequest, response: RPCWriter<Lifelong_V1_JobProgressEvent>, context: ServerContext
    ) async throws {
        record(context)
        for event in state.withLock({ $0.events }) { try await response.write(event) }
        // Stay open like a real watch until the client leaves.
        while !Task.isCancelled { try await Task.sleep(for: .milliseconds(50)) }
    }

    func triggerTraining(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await transition(request, context) { $0.state = .ready }
    }

    func pauseJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await transition(request, context) { $0.paused = true }
    }

    func resumeJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await transition(request, context) { $0.paused = false }
    }

    func deleteJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_DeleteJobResponse {
        var response = Lifelong_V1_DeleteJobResponse()
        response.job = try await transition(request, context) { _ in }
        _ = state.withLock { $0.jobs.removeValue(forKey: request.jobId) }
        return response
    }

    private func transition(
        _ request: Lifelong_V1_GetJobRequest, _ context: ServerContext, _ change: @Sendable (inout Lifelong_V1_Job) -> Void
    ) async throws -> Lifelong_V1_Job {
        record(context)
        var job = try job(request.jobId)
        change(&job)
        state.withLock { $0.jobs[job.id] = job }
        return job
    }

    func ingestSamples(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        record(context)
        var response = Lifelong_V1_AddSamplesResponse()
        for try await batch in request {
            state.withLock { state in
                state.ingestBatches += 1
                for sample in batch.samples {
                    if state.ingested.contains(where: { $0.key == sample.key }) {
                        response.duplicates += 1
                    } else {
                        state.ingested.append(sample)
                        response.inserted += 1
                    }
                }
            }
        }
        return response
    }

    func listUnlabelled(
        request: Lifelong_V1_ListSamplesRequest, response: RPCWriter<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws {
        record(context)
        var batch = Lifelong_V1_SampleBatch()
        batch.samples = state.withLock { $0.unlabelled }
        try await response.write(batch)
    }

    func labelSamples(request: Lifelong_V1_AttachLabelsRequest, context: ServerContext) async throws -> Lifelong_V1_AttachLabelsResponse {
        record(context)
        return state.withLock { state in
            var response = Lifelong_V1_AttachLabelsResponse()
            for label in request.labels {
                if state.unlabelled.contains(where: { $0.key == label.key }) {
                    state.labels.append(label)
                    response.updated += 1
                } else {
                    response.unknownKeys.append(label.key)
                }
            }
            return response
        }
    }

    func getReport(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Report {
        record(context)
        _ = try job(request.jobId)
        return state.withLock { $0.report }
    }

    func listEdges(request: Lifelong_V1_ListEdgesRequest, context: ServerContext) async throws -> Lifelong_V1_ListEdgesResponse {
        record(context)
        var response = Lifelong_V1_ListEdgesResponse()
        response.edges = state.withLock { $0.fleet }.filter { request.jobId.isEmpty || $0.jobId == request.jobId }
        return response
    }

    private func edgeCall() -> RPCError { RPCError(code: .unimplemented, message: "edge calls are not in the CLI's gateway double") }

    func registerEdge(request: Lifelong_V1_EdgeNode, context: ServerContext) async throws -> Lifelong_V1_RegisterEdgeResponse { throw edgeCall() }
    func heartbeat(request: Lifelong_V1_EdgeHeartbeat, context: ServerContext) async throws -> Lifelong_V1_HeartbeatResponse { throw edgeCall() }
    func pullSnapshot(
        request: Lifelong_V1_PullSnapshotRequest, response: RPCWriter<Lifelong_V1_SnapshotBundlePart>, context: ServerContext
    ) async throws { throw edgeCall() }
    func watchSnapshots(
        request: Lifelong_V1_WatchSnapshotsRequest, response: RPCWriter<Lifelong_V1_SnapshotEvent>, context: ServerContext
    ) async throws { throw edgeCall() }
    func uploadUnseen(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse { throw edgeCall() }
}

/// An edge node that answers by a rule: attribute `site` = `north` or `south` is a known task
/// predicting class index `round(first feature) mod 3`; any other site is unseen.
final class EdgeInferenceDouble: Lifelong_V1_EdgeInference.SimpleServiceProtocol, Sendable {
    let requests = Mutex(0)

    func predict(_ request: Lifelong_V1_InferRequest) -> Lifelong_V1_InferResponse {
        requests.withLock { $0 += 1 }
        var response = Lifelong_V1_InferResponse()
        response.predictions = request.inputs.map { input in
            var prediction = Lifelong_V1_Prediction()
            prediction.key = input.key
            let site = input.attributes.first { $0.name == "site" }?.value ?? ""
            prediction.unseen = !["north", "south"].contains(site)
            prediction.taskName = prediction.unseen ? "" : site
            prediction.fallback = prediction.unseen
            prediction.classIndex = Int32(Int((input.features.first ?? 0).rounded()) % 3)
            prediction.snapshotVersion = 3
            return prediction
        }
        return response
    }

    func infer(request: Lifelong_V1_InferRequest, context: ServerContext) async throws -> Lifelong_V1_InferResponse { predict(request) }

    func inferStream(
        request: RPCAsyncSequence<Lifelong_V1_InferRequest>, response: RPCWriter<Lifelong_V1_InferResponse>, context: ServerContext
    ) async throws {
        for try await batch in request { try await response.write(predict(batch)) }
    }

    func getStatus(request: Lifelong_V1_GetStatusRequest, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus {
        var status = Lifelong_V1_EdgeStatus()
        var node = Lifelong_V1_EdgeNode()
        node.name = "edge-1"
        status.node = node
        status.snapshotVersion = 3
        status.samplesInferred = 40
        status.samplesUploaded = 4
        status.samplesTransferRatio = 0.1
        return status
    }

    func syncNow(request: Lifelong_V1_SyncNowRequest, context: ServerContext) async throws -> Lifelong_V1_SyncNowResponse { .init() }
    func setEgressPolicy(request: Lifelong_V1_EgressPolicy, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus { .init() }
    /// Serves version 1 after a rollback from `from_version` (2 when unset).
    func rollbackSnapshot(request: Lifelong_V1_EdgeRollbackRequest, context: ServerContext) async throws -> Lifelong_V1_EdgeStatus {
        var status = Lifelong_V1_EdgeStatus()
        status.snapshotVersion = 1
        status.refusedVersion = request.fromVersion == 0 ? 2 : request.fromVersion
        return status
    }
}
