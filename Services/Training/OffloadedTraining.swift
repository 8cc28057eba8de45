import Foundation
import LifelongLearning

/// Runs CPU-bound training on a thread of its own, off Swift's cooperative pool and off
/// Dispatch's global queues, with a boosting observer that stops it when `stop` is set and
/// reports each round to `onRound`.
///
/// A thread of its own, not a global queue: on a worker of `DispatchQueue.global` the same
/// training ran measurably slower than in-process (`make bench-training`, 50 task units:
/// 1.5x the in-process task models; from a thread of its own 1.05-1.16x, on a shared machine).
/// Likely cause: the learner's `DispatchQueue.concurrentPerform`, called from a global queue's
/// worker, shares that queue's few threads with whatever else the process runs there.
enum OffloadedTraining {
    static func run<T: Sendable>(
        stop: StopFlag, onRound: @escaping @Sendable (Int, Int) -> Void, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let observer = BoostingObserver { round, rounds in
            try stop.check()
            onRound(round, rounds)
        }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try BoostingObserver.$current.withValue(observer) { try body() } })
            }
            thread.name = "lifelong-training"
            thread.start()
        }
    }
}
