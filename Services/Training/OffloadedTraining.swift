import Dispatch
import LifelongLearning

/// Runs CPU-bound training on a thread of its own, off Swift's cooperative pool, with a
/// boosting observer that stops it when `stop` is set and reports each round to `onRound`.
enum OffloadedTraining {
    static func run<T: Sendable>(
        stop: StopFlag, onRound: @escaping @Sendable (Int, Int) -> Void, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        let observer = BoostingObserver { round, rounds in
            try stop.check()
            onRound(round, rounds)
        }
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try BoostingObserver.$current.withValue(observer) { try body() } })
            }
        }
    }
}
