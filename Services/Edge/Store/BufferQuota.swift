/// How much the unseen-sample buffer may hold, and what happens when it is full.
public struct BufferQuota: Sendable, Hashable {
    /// What a full buffer does with a new sample.
    public enum Behavior: String, Sendable, Hashable, CaseIterable {
        /// The new sample is not stored (still answered and flagged); counted as rejected.
        case rejectNew = "reject-new"
        /// The oldest samples not already in an upload batch are deleted to make room;
        /// counted as dropped. When that is not enough, the new sample is rejected.
        case dropOldest = "drop-oldest"
    }

    /// Most bytes of encoded samples the buffer holds.
    public var maximumBytes: Int64 = 64 << 20
    /// Most samples the buffer holds.
    public var maximumSamples: Int64 = 100_000
    /// What a full buffer does.
    public var behavior: Behavior = .dropOldest

    /// Creates a quota.
    public init(maximumBytes: Int64 = 64 << 20, maximumSamples: Int64 = 100_000, behavior: Behavior = .dropOldest) {
        self.maximumBytes = maximumBytes
        self.maximumSamples = maximumSamples
        self.behavior = behavior
    }
}
