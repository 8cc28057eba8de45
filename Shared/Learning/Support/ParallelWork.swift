import Dispatch
import FoundationEssentials

/// A value shared with concurrently running work items whose safety the caller guarantees
/// (disjoint writes through raw pointers, reads of data nobody writes meanwhile).
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs independent work items on every core.
enum ParallelWork {
    /// The number of cores work is spread over, read once: `activeProcessorCount` reads the
    /// cgroup's files on Linux at every call, and the growers ask at every node level (a tenth
    /// of a training service's CPU went there, in system calls).
    static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body(i)` for every `i` in `0..<count`, in parallel when it is worth it.
    /// Items must not depend on each other's order; results must go to disjoint memory.
    /// - Parameter serial: Run inline, for work too small to pay for waking other threads.
    static func forEach(_ count: Int, serial: Bool = false, _ body: (Int) -> Void) {
        if count <= 0 { return }
        if serial || count == 1 || coreCount == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { i in shared.value(i) }
        }
    }

    /// Splits `0..<total` into about `chunks` contiguous ranges and runs them in parallel.
    static func forRanges(_ total: Int, minimumChunk: Int, _ body: (Range<Int>) -> Void) {
        if total <= 0 { return }
        let chunkCount = max(1, min(coreCount * 4, total / max(1, minimumChunk)))
        let size = (total + chunkCount - 1) / chunkCount
        forEach(chunkCount) { c in
            let start = c * size
            let end = min(total, start + size)
            if start < end { body(start..<end) }
        }
    }
}
