public import JobQueue
import Synchronization

/// What this instance's workers did on the queue since start, and the queue's depth as of
/// their last look: read by ``TrainingMetrics`` at each scrape.
public final class QueueStatistics: Sendable {
    /// The figures at one moment.
    public struct Snapshot: Sendable, Hashable {
        /// Units claimed (takeovers included).
        public var claims = 0
        /// Claims of a unit whose previous worker's lease had expired.
        public var takeovers = 0
        /// Units completed.
        public var completed = 0
        /// Units failed for good (no attempt left, or an error that would repeat).
        public var failed = 0
        /// Units of the queue's open runs, available and running, as last counted.
        public var depth = QueueDepth()
    }

    private let state = Mutex(Snapshot())

    /// Creates zeroed statistics.
    public init() {}

    /// The figures now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    func recordClaim(_ unit: ClaimedUnit) {
        state.withLock {
            $0.claims += 1
            if unit.previousWorkerID != nil { $0.takeovers += 1 }
        }
    }

    func recordCompleted() { state.withLock { $0.completed += 1 } }

    func recordFailed() { state.withLock { $0.failed += 1 } }

    func recordDepth(_ depth: QueueDepth) { state.withLock { $0.depth = depth } }
}
