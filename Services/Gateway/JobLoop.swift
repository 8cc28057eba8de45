import Foundation
import LifelongProto
import Logging
import RPCCore
import Synchronization

/// The loop every job goes round: wait for the trigger → train (a run of the training
/// service) → eval (its gate) → deploy (the published version; edges pull it) → wait …
///
/// Each tick, for each job this gateway instance holds the lease of (so several instances
/// drive each job from exactly one place), the loop either follows the running round or
/// decides whether a new one starts. A round's start and end are transactions on the job's
/// row, each with its events; a gateway that restarts mid-round finds the run id on the job
/// and goes on following it. A round that fails is retried with backoff (1 s, 2 s, 4 s … up to
/// `maximumRetryDelay`) while its errors are transient; a refused request (invalid argument,
/// not found, failed precondition) waits for TriggerTraining.
public struct JobLoop: Sendable {
    let store: JobStore
    let training: Lifelong_V1_Training.Client
    let configuration: GatewayConfiguration
    let oracle: OracleLabeller?
    let logger: Logger
    private let relays = RelayRegistry()

    init(
        store: JobStore, training: Lifelong_V1_Training.Client, configuration: GatewayConfiguration, oracle: OracleLabeller?,
        logger: Logger
    ) {
        self.store = store
        self.training = training
        self.configuration = configuration
        self.oracle = oracle
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    func loopUntilCancelled() async {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(for: configuration.tickInterval)
        }
        relays.cancelAll()
    }

    /// One pass over the jobs (after the oracle, if any, labelled what it knows).
    func tick() async {
        await oracle?.labelWaiting()
        let ids: [String]
        do {
            ids = try await store.jobIDs()
        } catch {
            logger.debug("listing jobs failed", metadata: ["gateway.error": "\(error)"])
            return
        }
        for id in ids {
            do {
                guard try await store.lease(id, owner: configuration.instanceID, for: configuration.leaseDuration) else { continue }
                let job = try await store.job(id)
                if (job.state == .running || job.state == .starting) && !job.runId.isEmpty {
                    try await follow(job)
                } else {
                    try await startIfTriggered(id)
                }
            } catch let error as RPCError where error.code == .notFound {
                relays.cancel(id)  // deleted meanwhile
            } catch {
                logger.warning("job step failed", metadata: ["gateway.job": "\(id)", "gateway.error": "\(error)"])
            }
        }
    }

    // MARK: Starting a round

    private struct Start: Sendable {
        var request: Lifelong_V1_TrainRequest
        var round: Int32
    }

    private func startIfTriggered(_ id: String) async throws {
        let now = Date()
        let nowUs = JobStore.nowUs()
        let timeZone = configuration.timeZone
        let start = try await store.update(id) { (record: inout JobRecord) -> ([Lifelong_V1_JobProgressEvent], Start?) in
            let job = record.job
            // A round whose start was interrupted (a restart between the two steps) sends the
            // same request again: training answers with the run it made, if it made one.
            if job.state == .starting, let request = record.roundRequest {
                return ([], Start(request: request, round: job.roundsCompleted + 1))
            }
            guard !job.paused else { return ([], nil) }
            if job.state == .failed, job.retryAtUs > nowUs { return ([], nil) }
            let retryDue = job.state == .failed && job.retryAtUs > 0
            let blocked = job.state == .failed && job.retryAtUs == 0
            let policy = try TriggerPolicy(job.jobSpec.trigger ?? .init(), timeZone: timeZone)
            let created = Date(timeIntervalSince1970: Double(job.createdAtUs) / 1_000_000)
            let reason: String
            if record.trainRequested {
                reason = "training requested"
            } else if retryDue {
                reason = "retry \(job.failedAttempts) of the failed round"
            } else if !blocked, policy.fires(now: now, pending: job.pendingSamples, lastRound: record.lastRoundAt, created: created) {
                reason = "trigger fired (\(job.pendingSamples) new labelled samples)"
            } else {
                return ([], nil)
            }
            let round = job.roundsCompleted + 1
            record.trainRequested = false
            record.roundPending = job.pendingSamples
            record.roundTasks = record.pendingTasks
            record.job.stage = .train
            record.job.state = .starting
            record.job.runId = ""
            var request = Lifelong_V1_TrainRequest()
            request.jobId = job.id
            request.spec = job.spec
            request.baseVersion = job.deployedVersion
            request.requestId = "\(job.id)/round-\(round)/attempt-\(job.failedAttempts)"
            // Attribute tasks named by the samples since the last round; otherwise training's
            // own rule (new tasks and tasks with samples newer than the base version's).
            if job.deployedVersion > 0, job.jobSpec.taskDefinition != .clustering { request.taskNames = record.pendingTasks }
            record.roundRequest = request
            return ([JobEvents.transition(record.job, "round \(round): \(reason); starting training")], Start(request: request, round: round))
        }
        guard let start else { return }
        let run: Lifelong_V1_TrainingRun
        do {
            run = try await training.startTraining(start.request)
        } catch {
            try await fail(id, round: start.round, error: error)
            return
        }
        try await store.update(id) { record in
            record.job.state = .running
            record.job.runId = run.id
            record.roundRequest = nil
            record.relayedSequence = 0
            return ([JobEvents.transition(record.job, "round \(start.round): training run \(run.id) started")], ())
        }
        logger.info("round started", metadata: ["gateway.job": "\(id)", "gateway.round": "\(start.round)", "gateway.run": "\(run.id)"])
    }

    // MARK: Following a round

    private func follow(_ job: Lifelong_V1_Job) async throws {
        relays.start(job.id) { await relay(job.id, run: job.runId) }
        var query = Lifelong_V1_GetTrainingRequest()
        query.id = job.runId
        let run: Lifelong_V1_TrainingRun
        do {
            run = try await training.getTraining(query)
        } catch let error as RPCError where error.code == .unavailable || error.code == .deadlineExceeded {
            return  // training unreachable: the round goes on there; look again next tick
        }
        switch run.state {
        case .completed:
            relays.cancel(job.id)
            try await relayRemaining(job.id, run: run.id)
            try await finish(job.id, run: run)
        case .failed:
            relays.cancel(job.id)
            try await relayRemaining(job.id, run: run.id)
            try await fail(job.id, round: job.roundsCompleted + 1, error: RPCError(code: .internalError, message: "training run \(run.id) failed: \(run.error)"))
        case .cancelled:
            relays.cancel(job.id)
            try await store.update(job.id) { record in
                record.job.state = .cancelled
                let event = JobEvents.transition(record.job, "round \(record.job.roundsCompleted + 1): run \(run.id) was cancelled; nothing deployed")
                record.job.state = .waiting
                record.pendingTasks = Array(Set(record.pendingTasks).union(record.roundTasks)).sorted()
                return ([event], ())
            }
        default:
            break
        }
    }

    /// Streams the run's events into the job's, from the last one relayed, until the run ends
    /// (the relay task of a running round).
    private func relay(_ job: String, run: String) async {
        do {
            try await relayEvents(job, run: run)
        } catch {
            logger.debug("relaying training events stopped", metadata: ["gateway.job": "\(job)", "gateway.error": "\(error)"])
        }
    }

    /// Relays what the watch had not delivered before the run ended.
    private func relayRemaining(_ job: String, run: String) async throws {
        try await relayEvents(job, run: run, options: CallOptions(timeout: .seconds(10)))
    }

    /// WatchTraining after the last event relayed, each event appended to the job's.
    private func relayEvents(_ job: String, run: String, options: CallOptions = .defaults) async throws {
        let after = try await store.update(job) { record in ([], record.relayedSequence) }
        var query = Lifelong_V1_GetTrainingRequest()
        query.id = run
        query.afterSequence = after
        try await training.watchTraining(query, options: options) { events in
            for try await event in events.messages { try await append(event, job: job, run: run) }
        }
    }

    private func append(_ event: Lifelong_V1_JobProgressEvent, job: String, run: String) async throws {
        try await store.update(job) { record in
            guard record.job.runId == run, event.sequence > record.relayedSequence else { return ([], ()) }
            record.relayedSequence = event.sequence
            var relayed = event
            relayed.atUs = 0
            return ([relayed], ())
        }
    }

    /// Ends a completed round: eval (the gate's verdicts) and deploy (the published version).
    private func finish(_ id: String, run: Lifelong_V1_TrainingRun) async throws {
        let job = try await store.job(id)
        guard job.runId == run.id, job.state == .running else { return }
        let round = job.roundsCompleted + 1
        let version = run.publishedVersion > 0 ? run.publishedVersion : job.deployedVersion
        try await store.recordRound(JobStore.Round(round: round, runID: run.id, version: version), job: id)
        let finishedAt = Date()
        try await store.update(id) { record in
            guard record.job.runId == run.id, record.job.state == .running else { return ([], ()) }
            record.job.stage = .eval
            record.job.state = .completed
            var eval = JobEvents.transition(record.job, "round \(round) evaluated: \(RoundSummary.describe(run))")
            eval.metrics = run.tasks.map(RoundSummary.metrics)
            record.job.stage = .deploy
            let deployed = run.publishedVersion > 0
                ? "version \(version) deployed; edges pull it" : "nothing published (no task model trained and accepted); version \(version) stays deployed"
            let deploy = JobEvents.transition(record.job, "round \(round): \(deployed)", version: version)
            record.job.stage = .train
            record.job.state = .waiting
            record.job.deployedVersion = version
            record.job.roundsCompleted = round
            record.job.pendingSamples = max(0, record.job.pendingSamples - record.roundPending)
            record.job.failedAttempts = 0
            record.job.retryAtUs = 0
            record.job.lastError = ""
            record.pendingTasks = Array(Set(record.pendingTasks).subtracting(record.roundTasks)).sorted()
            record.roundPending = 0
            record.roundTasks = []
            record.lastRoundAt = finishedAt
            let waiting = JobEvents.transition(record.job, "waiting for the trigger")
            return ([eval, deploy, waiting], ())
        }
        logger.info("round finished", metadata: ["gateway.job": "\(id)", "gateway.round": "\(round)", "gateway.version": "\(version)"])
    }

    /// Records a failed round: retried with backoff while the error is transient.
    private func fail(_ id: String, round: Int32, error: any Error) async throws {
        let rpc = GatewayErrors.rpcError(for: error)
        let permanent = [.invalidArgument, .notFound, .failedPrecondition, .permissionDenied, .unauthenticated].contains(rpc.code)
        let nowUs = JobStore.nowUs()
        let configuration = configuration
        try await store.update(id) { record in
            record.job.state = .failed
            record.job.lastError = "\(rpc.code): \(rpc.message)"
            record.job.failedAttempts += 1
            record.roundRequest = nil
            record.pendingTasks = Array(Set(record.pendingTasks).union(record.roundTasks)).sorted()
            let exhausted = record.job.failedAttempts >= configuration.maximumAttempts
            let message: String
            if permanent || exhausted {
                record.job.retryAtUs = 0
                message = "round \(round) failed (\(record.job.lastError)); not retried"
                    + (exhausted ? " after \(record.job.failedAttempts) attempts" : "") + ": fix the cause, then trigger training"
            } else {
                let delay = configuration.retryDelay(afterAttempts: Int(record.job.failedAttempts))
                record.job.retryAtUs = nowUs + Int64(delay * 1_000_000)
                message = "round \(round) failed (\(record.job.lastError)); retrying in \(String(format: "%.1f", delay)) s"
            }
            var event = JobEvents.transition(record.job, message)
            event.kind = .failed
            return ([event], ())
        }
        logger.warning("round failed", metadata: ["gateway.job": "\(id)", "gateway.round": "\(round)", "gateway.error": "\(rpc)"])
    }
}

/// The relay task of each job following a run.
final class RelayRegistry: Sendable {
    private let tasks = Mutex<[String: Task<Void, Never>]>([:])

    /// Starts `body` for the job unless its relay runs.
    func start(_ job: String, _ body: @escaping @Sendable () async -> Void) {
        tasks.withLock { tasks in
            if let task = tasks[job], !task.isCancelled { return }
            tasks[job] = Task { await body() }
        }
    }

    func cancel(_ job: String) {
        tasks.withLock { $0.removeValue(forKey: job) }?.cancel()
    }

    func cancelAll() {
        for task in tasks.withLock({ tasks in defer { tasks = [:] }; return Array(tasks.values) }) { task.cancel() }
    }
}

/// How a round's outcome reads in the job's events.
enum RoundSummary {
    static func describe(_ run: Lifelong_V1_TrainingRun) -> String {
        let parts: [(String, [String])] = [
            ("created", run.createdTasks), ("retrained", run.retrainedTasks), ("rejected", run.rejectedTasks),
            ("skipped", run.skippedTasks), ("failed", run.failedTasks),
        ]
        let said = parts.filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.count) (\($0.1.prefix(5).joined(separator: ", "))\($0.1.count > 5 ? ", …" : ""))" }
        return said.isEmpty ? "no task trained" : said.joined(separator: "; ")
    }

    /// A task's outcome as metrics (split `eval:<task>`).
    static func metrics(_ outcome: Lifelong_V1_TrainingTaskOutcome) -> Lifelong_V1_Metrics {
        var metrics = Lifelong_V1_Metrics()
        metrics.split = "eval:\(outcome.taskName)"
        metrics.sampleCount = outcome.evalSamples
        var accuracy = Lifelong_V1_Metric()
        accuracy.name = "accuracy"
        accuracy.value = outcome.accuracy
        var deployed = Lifelong_V1_Metric()
        deployed.name = "deployed_accuracy"
        deployed.value = outcome.deployedAccuracy
        metrics.values = [accuracy, deployed]
        return metrics
    }
}
