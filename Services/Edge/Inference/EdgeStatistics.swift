import Synchronization

/// What the node counted since it started (in memory; durable counters live in the store),
/// for status and metrics.
public final class EdgeStatistics: Sendable {
    /// A copy of the counts.
    public struct Counts: Sendable, Hashable {
        /// Samples answered since start.
        public var inferred: Int64 = 0
        /// Samples flagged unseen since start.
        public var unseen: Int64 = 0
        /// Samples answered per task ("" = none) since start.
        public var perTask: [String: Int64] = [:]
        /// Inferred samples not yet added to the store's counter.
        public var unflushedInferred: Int64 = 0
        /// Whether the last call to the cloud succeeded (nil: never tried).
        public var cloudReachable: Bool?
    }

    private let counts = Mutex(Counts())

    /// Creates empty statistics.
    public init() {}

    /// The counts now.
    public var snapshot: Counts { counts.withLock { $0 } }

    /// Records one answered batch.
    func record(tasks: [String?], unseen: Int, flushed: Bool) {
        counts.withLock { counts in
            counts.inferred += Int64(tasks.count)
            counts.unseen += Int64(unseen)
            for task in tasks { counts.perTask[task ?? "", default: 0] += 1 }
            if !flushed { counts.unflushedInferred += Int64(tasks.count) }
        }
    }

    /// Takes the inferred samples not yet in the store's counter (they are then counted as flushed).
    func takeUnflushed() -> Int64 {
        counts.withLock { counts in
            defer { counts.unflushedInferred = 0 }
            return counts.unflushedInferred
        }
    }

    /// Gives back samples taken by ``takeUnflushed()`` whose flush failed.
    func restoreUnflushed(_ count: Int64) {
        counts.withLock { $0.unflushedInferred += count }
    }

    /// Records the outcome of a call to the cloud.
    func recordCloud(reachable: Bool) {
        counts.withLock { $0.cloudReachable = reachable }
    }
}
