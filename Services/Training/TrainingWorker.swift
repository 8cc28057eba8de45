import JobQueue
import LifelongProto
import Logging
import PostgresClient

/// Claims units of the queue and works on them, `concurrency` at a time, until cancelled.
///
/// While a unit runs, its lease is renewed every third of the lease; when renewal finds the
/// run cancelled or the lease taken over, the work is stopped (between boosting rounds) and
/// nothing more of it is written. A unit that throws is retried after `retryDelay` while
/// attempts remain; errors that would repeat (NOT_FOUND, INVALID_ARGUMENT, FAILED_PRECONDITION)
/// fail it at once. A planning or publishing unit that fails for good fails its run; a task
/// unit that fails for good is reported for its task and the run goes on.
public struct TrainingWorker: Sendable {
    let store: RunStore
    let kb: KnowledgeBaseAccess
    let mining: TaskMiningAccess
    let configuration: TrainingConfiguration
    let statistics: QueueStatistics
    let logger: Logger
    let prefetch = MiningPrefetch()

    /// Runs the claim loops until the task is cancelled.
    public func work() async {
        await withTaskGroup(of: Void.self) { group in
            for slot in 0..<max(1, configuration.concurrency) {
                group.addTask { await loop(slot: slot) }
            }
        }
    }

    private func loop(slot: Int) async {
        let worker = configuration.concurrency > 1 ? "\(configuration.workerID)/\(slot)" : configuration.workerID
        while !Task.isCancelled {
            do {
                let claimed = try await store.queue.claim(worker: worker, lease: configuration.lease)
                // A metric only: failing to count never keeps a claimed unit from its work.
                if let depth = try? await store.queue.depth() { statistics.recordDepth(depth) }
                if let unit = claimed {
                    statistics.recordClaim(unit)
                    await work(on: unit)
                    continue
                }
            } catch let error as PostgresError where error.code == "42P01" {
                // The tables are not there yet: the start-up migrations are still running.
                logger.debug("queue not migrated yet", metadata: ["training.worker": "\(worker)"])
            } catch {
                logger.warning("claiming a unit failed", metadata: ["training.worker": "\(worker)", "training.error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.pollInterval)
        }
    }

    /// Works on one claimed unit with its lease renewed, and settles it.
    func work(on unit: ClaimedUnit) async {
        var metadata: Logger.Metadata = ["training.run": "\(unit.runID)", "training.unit": "\(unit.name)", "training.attempt": "\(unit.attempt)"]
        let request: RunRequest
        do {
            request = try RunRequest(validating: try Lifelong_V1_TrainRequest(serializedBytes: unit.runPayload))
        } catch {
            _ = try? await store.queue.fail(unit, error: "undecodable request: \(error)", permanent: true)
            return
        }
        let stop = StopFlag()
        let context = UnitContext(
            unit: unit, request: request, store: store, kb: kb, mining: mining, stop: stop, prefetch: prefetch,
            configuration: configuration, logger: logger)
        if let previous = unit.previousWorkerID {
            await context.emit(
                .resumed, task: TaskUnit.task(of: unit.name) ?? "",
                "resumed \(unit.name): worker \(previous) stopped renewing its lease (attempt \(unit.attempt))")
        }
        let outcome: Result<Void, any Error> = await withTaskCancellationHandler {
          await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                do {
                    try await execute(context)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                await renew(unit, stop: stop)
                return nil
            }
            let first = await group.next()!
            group.cancelAll()
            return first ?? .failure(CancellationError())
          }
        } onCancel: {
            stop.stop(.shutdown)
        }
        guard case .failure(let error) = outcome else {
            statistics.recordCompleted()
            return
        }
        metadata["training.error"] = "\(error)"
        if let reason = stop.current {
            logger.info("unit stopped", metadata: metadata.merging(["training.reason": "\(reason)"]) { $1 })
            if reason == .shutdown {
                // This task is cancelled, and the pool refuses work for cancelled tasks.
                let queue = store.queue
                _ = await Task { try? await queue.release(unit) }.value
            }
            return
        }
        let classified = TrainingError.classify(error)
        let permanent = [.notFound, .invalidArgument, .failedPrecondition].contains(classified.code)
        logger.warning("unit failed", metadata: metadata)
        do {
            guard try await store.queue.fail(unit, error: classified.message, retryAfter: configuration.retryDelay, permanent: permanent)
            else { return }
            // The unit's own attempt limit (set by whichever instance queued the run) decides.
            let state = try await store.queue.run(unit.runID)?.units.first { $0.name == unit.name }?.state
            if state == .failed {
                statistics.recordFailed()
                try await settleFailure(context, message: classified.message)
            } else {
                await context.emit(.failed, task: TaskUnit.task(of: unit.name) ?? "", "attempt \(unit.attempt) failed, will retry: \(classified.message)")
            }
        } catch {
            logger.error("could not record a unit's failure", metadata: metadata)
        }
    }

    private func execute(_ context: UnitContext) async throws {
        let name = context.unit.name
        if name == PlanUnit.name {
            try await PlanUnit.run(context)
        } else if name == PublishUnit.name {
            try await PublishUnit.run(context)
        } else if let task = TaskUnit.task(of: name) {
            try await TaskUnit.run(context, task: task)
        } else {
            throw TrainingError(.internalError, "unknown unit '\(name)'")
        }
    }

    /// Renews the lease until cancelled; stops the work when the lease is gone.
    private func renew(_ unit: ClaimedUnit, stop: StopFlag) async {
        let interval = configuration.lease / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            switch try? await store.queue.renew(unit, lease: configuration.lease) {
            case .held, nil: continue
            case .lost: stop.stop(.leaseLost)
            case .cancelled: stop.stop(.cancelled)
            }
            // Keep waiting for the work to notice: the group ends when it returns.
            while !Task.isCancelled { try? await Task.sleep(for: interval) }
            return
        }
    }

    /// A unit failed for good: a task is reported, the run goes on; otherwise the run fails.
    private func settleFailure(_ context: UnitContext, message: String) async throws {
        let runID = context.runID
        if let task = TaskUnit.task(of: context.unit.name) {
            var outcome = Lifelong_V1_TrainingTaskOutcome()
            outcome.taskName = task
            outcome.kind = .failed
            outcome.reason = message
            let event = context.event(.failed, task: task, "failed: \(message)")
            try await store.pool.withTransaction { [outcome] connection in
                try RunStore.putOutcome(outcome, taskSnapshot: nil, run: runID, on: connection)
                _ = try RunStore.append(event, run: runID, on: connection)
            }
            return
        }
        var finished = context.event(.finished, "failed: \(message)")
        finished.state = .failed
        try await store.pool.withTransaction { [finished] connection in
            guard try JobQueue.finish(runID, as: .failed, error: message, on: connection) else { return }
            try JobQueue.cancelOpenUnits(of: runID, on: connection)
            _ = try RunStore.append(finished, run: runID, afterEnd: true, on: connection)
        }
    }
}

extension TaskUnit {
    /// The task of a task unit's name; nil for other units.
    static func task(of unitName: String) -> String? {
        unitName.hasPrefix(prefix) ? String(unitName.dropFirst(prefix.count)) : nil
    }
}
