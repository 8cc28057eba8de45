import Dispatch
import LifelongLearning

extension Array {
    /// `transform` applied to every element, the elements spread over the cores; results in
    /// the elements' order. For independent, deterministic work (a grid search's trainings, a
    /// round's tasks: each mostly on one core for a table of a few thousand rows), so the result
    /// is the same as a serial map's. Work nested in it that spreads itself over the cores
    /// (the trainer's own `concurrentPerform`) runs inline on its element's thread once the
    /// outer map fills the cores (libdispatch narrows nested applies), which spares small
    /// trainings the thread wake-ups. The first error in element order is rethrown once every
    /// element ran.
    func concurrentMap<Result>(_ transform: (Element) throws -> Result) throws -> [Result] {
        var outcomes = [Swift.Result<Result, any Error>?](repeating: nil, count: count)
        outcomes.withUnsafeMutableBufferPointer { outcomes in
            let shared = UnsafeSharing((self, outcomes))
            withoutActuallyEscaping(transform) { transform in
                let transform = UnsafeSharing(transform)
                // Task-local values do not follow the work onto Dispatch's threads: each
                // iteration binds the caller's boosting observer again, so the trainings in
                // it report their rounds and stop as the caller's would.
                let observer = BoostingObserver.current
                DispatchQueue.concurrentPerform(iterations: count) { index in
                    let (elements, outcomes) = shared.value
                    // Each iteration writes its own slot only.
                    outcomes[index] = BoostingObserver.$current.withValue(observer) {
                        Swift.Result { try transform.value(elements[index]) }
                    }
                }
            }
        }
        return try outcomes.map { try $0!.get() }
    }
}

/// A value handed to concurrently running iterations that only read it, or write disjoint
/// parts of it.
private struct UnsafeSharing<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
