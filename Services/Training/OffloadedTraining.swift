import Foundation
import LifelongLearning

/// Runs CPU-bound training on a thread of its own, off Swift's cooperative pool and off
/// Dispatch's global queues, with a boosting observer that stops it when `stop` is set and
/// reports each round to `onRound`.
///
/// A thread of its own, not a global queue: training holds its thread for seconds, and a
/// global queue has about one thread per core, which the process's Swift concurrency jobs and
/// the learner's `DispatchQueue.concurrentPerform` also need.
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
