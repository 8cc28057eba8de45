import JobQueue
import LifelongProto
import Logging

/// What the work of one claimed unit needs: the unit, its run's request, the stores, the
/// knowledge base and task mining, the stop flag, and how to report progress.
struct UnitContext: Sendable {
    let unit: ClaimedUnit
    let request: RunRequest
    let store: RunStore
    let kb: KnowledgeBaseAccess
    let mining: TaskMiningAccess
    let stop: StopFlag
    /// This instance's background measurements of publications' mining.
    let prefetch: MiningPrefetch
    let configuration: TrainingConfiguration
    let logger: Logger

    var runID: String { unit.runID }
    var queue: JobQueue { store.queue }

    /// A progress event of this run.
    func event(_ kind: Lifelong_V1_ProgressKind, task: String = "", _ message: String) -> Lifelong_V1_JobProgressEvent {
        var event = Lifelong_V1_JobProgressEvent()
        event.jobId = request.jobID
        event.kind = kind
        event.taskName = task
        event.message = message
        event.stage = kind == .evaluating || kind == .accepted || kind == .rejected ? .eval : kind == .published ? .deploy : .train
        event.state = .running
        return event
    }

    /// Appends an event while the run is open (a cancelled run takes no more).
    func emit(_ event: Lifelong_V1_JobProgressEvent) async {
        do {
            try await store.append(event, run: runID)
        } catch {
            logger.warning(
                "could not record a progress event", metadata: ["training.run": "\(runID)", "training.error": "\(error)"])
        }
    }

    /// ``emit(_:)`` of a new event.
    func emit(_ kind: Lifelong_V1_ProgressKind, task: String = "", _ message: String) async {
        await emit(event(kind, task: task, message))
    }

    /// Reports a wait for the knowledge base or task mining as a WAITING event.
    var onWait: @Sendable (String) async -> Void {
        { message in await self.emit(.waiting, message) }
    }

    /// Runs CPU-bound training off the cooperative pool, stopped by the unit's stop flag, its
    /// boosting rounds reported as events (all of them recorded before it returns or throws).
    func train<T: Sendable>(task: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let (reporter, drain) = boostingReporter(task: task)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await OffloadedTraining.run(stop: stop, onRound: reporter, body))
        } catch {
            outcome = .failure(error)
        }
        await drain()
        return try outcome.get()
    }

    /// Emits boosting-round events of a training, at most one every `boostingEventInterval`
    /// rounds and at the last round, spaced by `boostingEventSpacing` (the newest round
    /// waiting is recorded before `drain` returns).
    private func boostingReporter(task: String) -> (reporter: @Sendable (Int, Int) -> Void, drain: () async -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: (Int, Int).self, bufferingPolicy: .bufferingNewest(64))
        let every = max(1, configuration.boostingEventInterval)
        let spacing = configuration.boostingEventSpacing
        let consumer = Task {
            func emitRound(_ round: Int, of rounds: Int) async {
                var event = self.event(.boostingRound, task: task, "boosting round \(round) of \(rounds)")
                event.round = Int32(round)
                event.rounds = Int32(rounds)
                event.progress = rounds > 0 ? Double(round) / Double(rounds) : 1
                await emit(event)
            }
            let clock = ContinuousClock()
            var lastEmitted: ContinuousClock.Instant?
            var waiting: (round: Int, rounds: Int)?
            for await (round, rounds) in stream {
                if let last = lastEmitted, clock.now - last < spacing {
                    waiting = (round, rounds)
                    continue
                }
                waiting = nil
                await emitRound(round, of: rounds)
                lastEmitted = clock.now
            }
            if let waiting { await emitRound(waiting.round, of: waiting.rounds) }
        }
        let reporter: @Sendable (Int, Int) -> Void = { round, rounds in
            if round % every == 0 || round == rounds { continuation.yield((round, rounds)) }
        }
        return (reporter, {
            continuation.finish()
            await consumer.value
        })
    }
}
