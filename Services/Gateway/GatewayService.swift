import Foundation
public import LifelongProto
import Logging
public import RPCCore

/// The `lifelong.v1.Gateway` service: jobs (this file), data and labelling
/// (`GatewayService+Data`), edges and snapshots (`GatewayService+Edges`), reports
/// (`GatewayService+Report`). Calls to the knowledge base and training go through their
/// generated clients, which propagate the served call's deadline and trace context.
public struct GatewayService: Lifelong_V1_Gateway.SimpleServiceProtocol {
    let store: JobStore
    let kb: Lifelong_V1_KnowledgeBase.Client
    let training: Lifelong_V1_Training.Client
    let configuration: GatewayConfiguration
    let logger: Logger

    // MARK: Jobs

    public func createJob(request: Lifelong_V1_JobSpec, context: ServerContext) async throws -> Lifelong_V1_Job {
        _ = try JobSpecRules.check(request, timeZone: configuration.timeZone)
        var job = Lifelong_V1_Job()
        job.id = request.name
        job.spec = request
        job.stage = .train
        job.state = .waiting
        job.createdAtUs = JobStore.nowUs()
        job.updatedAtUs = job.createdAtUs
        let created = try await store.create(job, event: JobEvents.transition(job, "job created; waiting for its trigger"))
        logger.info("job created", metadata: ["gateway.job": "\(job.id)"])
        return created
    }

    public func getJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await store.job(try Self.jobID(request.jobId))
    }

    public func listJobs(request: Lifelong_V1_ListJobsRequest, context: ServerContext) async throws -> Lifelong_V1_ListJobsResponse {
        guard request.limit >= 0 else { throw JobSpecRules.invalid("limit", "must be >= 0 (0 = all)") }
        var response = Lifelong_V1_ListJobsResponse()
        response.jobs = try await store.jobs(limit: Int(request.limit))
        return response
    }

    public func watchJob(
        request: Lifelong_V1_GetJobRequest, response: RPCWriter<Lifelong_V1_JobProgressEvent>, context: ServerContext
    ) async throws {
        let id = try Self.jobID(request.jobId)
        var after = try await store.lastEvent(id)
        while !Task.isCancelled {
            let events = try await store.events(id, after: after)
            for event in events {
                try await response.write(event)
                after = event.sequence
            }
            if events.isEmpty {
                // The job was deleted: the stream ends.
                guard (try? await store.lastEvent(id)) != nil else { return }
                try await Task.sleep(for: configuration.pollInterval)
            }
        }
    }

    public func triggerTraining(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await store.update(try Self.jobID(request.jobId)) { record in
            guard !record.job.paused else {
                throw RPCError(code: .failedPrecondition, message: "job_id: job '\(record.job.id)' is paused; resume it first")
            }
            record.trainRequested = true
            return ([JobEvents.transition(record.job, "training requested")], record.job)
        }
    }

    public func pauseJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await setPaused(true, request)
    }

    public func resumeJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job {
        try await setPaused(false, request)
    }

    private func setPaused(_ paused: Bool, _ request: Lifelong_V1_GetJobRequest) async throws -> Lifelong_V1_Job {
        try await store.update(try Self.jobID(request.jobId)) { record in
            guard record.job.paused != paused else { return ([], record.job) }
            record.job.paused = paused
            let what = paused ? "paused: the trigger will not fire" : "resumed"
            return ([JobEvents.transition(record.job, what)], record.job)
        }
    }

    public func deleteJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_DeleteJobResponse {
        var response = Lifelong_V1_DeleteJobResponse()
        response.job = try await store.delete(try Self.jobID(request.jobId))
        return response
    }

    static func jobID(_ value: String) throws -> String {
        try JobSpecRules.identifier(value, field: "job_id")
        return value
    }
}

/// The job events the gateway writes.
enum JobEvents {
    /// An event reporting the job's stage and state now.
    static func transition(_ job: Lifelong_V1_Job, _ message: String, version: Int64 = 0) -> Lifelong_V1_JobProgressEvent {
        var event = Lifelong_V1_JobProgressEvent()
        event.stage = job.stage
        event.state = job.state
        event.message = message
        event.snapshotVersion = version
        event.runId = job.runId
        return event
    }
}

extension Lifelong_V1_Job {
    /// The spec, or an empty one when the message lacks it.
    var jobSpec: Lifelong_V1_JobSpec { spec ?? Lifelong_V1_JobSpec() }
}
