import Dispatch

/// Runs the CPU-bound part of a call (building rows, clustering, training the relation
/// models, calibrating) on Dispatch threads of its own instead of Swift concurrency's
/// cooperative pool — on a 2-core machine that pool has 2 threads, and a relation search that
/// trains a model per task must not hold the threads that answer health checks and other
/// calls — and at most `width` computations at once, so that many concurrent calls queue up
/// instead of oversubscribing the cores. Work does not stop halfway when its call is
/// cancelled; a call cancelled before its work starts does not start it.
final class MiningQueue: Sendable {
    private let queue = DispatchQueue(label: "lifelong.taskmining.work", attributes: .concurrent)
    private let slots: DispatchSemaphore

    /// Creates a queue running at most `width` (at least 1) computations at once.
    init(width: Int) {
        slots = DispatchSemaphore(value: max(1, width))
    }

    /// The result of `work`, computed on the queue.
    /// - Throws: `CancellationError` when the call is already cancelled; what `work` throws.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        let slots = self.slots
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                slots.wait()
                defer { slots.signal() }
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
