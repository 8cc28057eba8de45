import ContentDigest
import Foundation
import JobQueue
public import LifelongProto
import Logging
public import RPCCore

/// The Training service of the contract (`lifelong.v1.Training`): runs are queued in
/// PostgreSQL and trained by the workers of every instance sharing the queue; this type
/// only starts, reads, watches and cancels them. Errors become statuses through
/// ``TrainingError/rpcError(for:)``, installed as the service's interceptor.
public struct TrainingService: Lifelong_V1_Training.SimpleServiceProtocol {
    let store: RunStore
    let kb: KnowledgeBaseAccess
    let configuration: TrainingConfiguration
    let logger: Logger

    public func startTraining(request: Lifelong_V1_TrainRequest, context: ServerContext) async throws -> Lifelong_V1_TrainingRun {
        let run = try await start(request)
        return try await view(run)
    }

    public func getTraining(request: Lifelong_V1_GetTrainingRequest, context: ServerContext) async throws -> Lifelong_V1_TrainingRun {
        try await view(request.id)
    }

    public func watchTraining(
        request: Lifelong_V1_GetTrainingRequest, response: RPCWriter<Lifelong_V1_JobProgressEvent>, context: ServerContext
    ) async throws {
        guard try await store.record(request.id) != nil else { throw TrainingError(.notFound, "id: no training run '\(request.id)'") }
        try await stream(request.id, after: request.afterSequence, to: response)
    }

    public func cancelTraining(request: Lifelong_V1_GetTrainingRequest, context: ServerContext) async throws -> Lifelong_V1_TrainingRun {
        guard let record = try await store.record(request.id) else {
            throw TrainingError(.notFound, "id: no training run '\(request.id)'")
        }
        var event = Lifelong_V1_JobProgressEvent()
        event.jobId = record.jobID
        event.kind = .finished
        event.state = .cancelled
        event.message = "cancelled on request"
        let id = request.id
        try await store.pool.withTransaction { [event] connection in
            let wasRunning = try JobQueue.run(id, on: connection)?.state == .running
            _ = try JobQueue.cancel(id, on: connection)
            if wasRunning { _ = try RunStore.append(event, run: id, afterEnd: true, on: connection) }
        }
        logger.info("training run cancelled", metadata: ["training.run": "\(id)"])
        return try await view(id)
    }

    public func listTrainings(request: Lifelong_V1_ListTrainingsRequest, context: ServerContext) async throws
        -> Lifelong_V1_ListTrainingsResponse
    {
        guard request.limit >= 0 else { throw TrainingError.invalid("limit", "must be >= 0 (0 = 100)") }
        if !request.beforeId.isEmpty, try await store.record(request.beforeId) == nil {
            throw TrainingError(.notFound, "before_id: no training run '\(request.beforeId)'")
        }
        let limit = request.limit == 0 ? 100 : min(Int(request.limit), 1_000)
        var response = Lifelong_V1_ListTrainingsResponse()
        for id in try await store.runIDs(job: request.jobId, before: request.beforeId, limit: limit) {
            response.runs.append(try await view(id))
        }
        return response
    }

    public func train(
        request: Lifelong_V1_TrainRequest, response: RPCWriter<Lifelong_V1_JobProgressEvent>, context: ServerContext
    ) async throws {
        try await stream(try await start(request), after: 0, to: response)
    }

    public func evaluate(request: Lifelong_V1_EvaluateRequest, context: ServerContext) async throws -> Lifelong_V1_EvaluateResponse {
        try await SnapshotEvaluation.evaluate(request, kb: kb)
    }

    // MARK: Runs

    /// Checks the request and queues its run (once per request id).
    /// - Returns: The run's id.
    func start(_ message: Lifelong_V1_TrainRequest) async throws -> String {
        let request = try RunRequest(validating: message)
        try await preflight(request)
        var payload = message
        payload.requestId = ""
        let bytes = try payload.serializedBytes()
        let id = UUID().uuidString.lowercased()
        let spec = QueueRunSpec(
            id: id, requestID: message.requestId.isEmpty ? nil : message.requestId, requestDigest: SHA256Digest.hex(of: bytes),
            payload: bytes,
            units: [
                QueueUnitSpec(name: PlanUnit.name, stage: 0, maxAttempts: configuration.maxAttempts),
                QueueUnitSpec(name: PublishUnit.name, stage: 2, maxAttempts: configuration.maxAttempts),
            ])
        var queued = Lifelong_V1_JobProgressEvent()
        queued.jobId = request.jobID
        queued.kind = .queued
        queued.stage = .train
        queued.state = .ready
        queued.message = "run queued from snapshot version \(request.baseVersion)"
        let outcome = try await store.create(spec, job: request.jobID, baseVersion: request.baseVersion, queued: queued)
        if case .created = outcome {
            logger.info("training run queued", metadata: ["training.run": "\(id)", "training.job": "\(request.jobID)"])
        }
        return outcome.runID
    }

    /// NOT_FOUND now for an unknown base version or task, when the KB answers; when it does
    /// not, the run is queued and waits for it.
    func preflight(_ request: RunRequest) async throws {
        var kb = self.kb
        kb.retry.waitsWhileUnreachable = false
        do {
            // A clustering run's task names are the plan's, known once the plan unit has it.
            if request.taskNames.isEmpty || request.definesClusters {
                _ = try await kb.snapshot(job: request.jobID, version: request.baseVersion, onWait: { _ in })
                return
            }
            let inputs = try await RunInputs.load(request: request, kb: kb, since: 0, onWait: { _ in })
            for (index, name) in request.taskNames.enumerated() where inputs.samples.tasks[name] == nil {
                throw TrainingError(.notFound, "task_names[\(index)]: job '\(request.jobID)' has no labelled samples of task '\(name)'")
            }
        } catch let error as RPCError where error.code == .unavailable {
            logger.warning("knowledge base unreachable; queueing the run unchecked", metadata: ["training.error": "\(error)"])
        }
    }

    /// Streams a run's events after `sequence` until the event that ends it.
    func stream(_ id: String, after sequence: Int64, to response: RPCWriter<Lifelong_V1_JobProgressEvent>) async throws {
        var last = sequence
        while true {
            let events = try await store.events(id, after: last)
            for event in events {
                try await response.write(event)
                last = event.sequence
                if event.kind == .finished { return }
            }
            if events.isEmpty {
                if let run = try await store.queue.run(id), run.state.isFinished, try await store.events(id, after: last).isEmpty { return }
                try await Task.sleep(for: configuration.pollInterval)
            }
        }
    }

    /// A run as the contract shows it.
    func view(_ id: String) async throws -> Lifelong_V1_TrainingRun {
        guard let state = try await store.state(id) else { throw TrainingError(.notFound, "id: no training run '\(id)'") }
        let (record, queued) = (state.record, state.queued)
        var run = Lifelong_V1_TrainingRun()
        run.id = id
        run.jobId = record.jobID
        run.baseVersion = record.baseVersion
        run.publishedVersion = record.publishedVersion
        run.createdAtUs = record.createdAtUs
        run.error = queued.error
        run.state =
            switch queued.state {
            case .running, .committing: .running
            case .completed: .completed
            case .failed: .failed
            case .cancelled: .cancelled
            }
        for outcome in state.outcomes {
            run.tasks.append(outcome)
            switch outcome.kind {
            case .created: run.createdTasks.append(outcome.taskName)
            case .retrained: run.retrainedTasks.append(outcome.taskName)
            case .rejected: run.rejectedTasks.append(outcome.taskName)
            case .skipped: run.skippedTasks.append(outcome.taskName)
            case .failed: run.failedTasks.append(outcome.taskName)
            default: break
            }
        }
        if let kept = state.kept {
            run.keptTasks = String(decoding: kept, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return run
    }
}
