import Foundation
import LifelongCore
public import LifelongLearning

/// Settings of the task-mining service: limits, defaults of the request fields left at zero,
/// and how relations are measured. Every field has a default that suits local runs.
public struct TaskMiningConfiguration: Sendable {
    /// Limits of one call.
    public struct Limits: Sendable, Hashable {
        /// Samples one call may mine, inline or read from the knowledge base; beyond it
        /// the call fails with RESOURCE_EXHAUSTED.
        public var maximumSamples = 200_000
        /// The largest cluster count a clustering request may ask for.
        public var maximumClusters = 64
        /// Samples per ListSamples batch asked of the knowledge base.
        public var listBatchSize = 2_000
        /// Calls that compute at once (the others wait their turn): one per core.
        public var maximumConcurrentComputations = ProcessInfo.processInfo.activeProcessorCount

        /// Defaults.
        public init() {}
    }

    /// Limits of one call.
    public var limits = Limits()
    /// The cluster-count range of a clustering request that leaves both ends at 0.
    public var defaultClusterRange: ClosedRange<Int> = 2...8
    /// Smallest cluster when `min_task_samples` is 0 (the learner's `minTaskSize`).
    public var defaultMinTaskSamples = LifelongConfiguration().minTaskSize
    /// Parameters of the per-task models DiscoverRelations trains to measure cross accuracy
    /// (the learner's task-model defaults).
    public var relationModel: GradientBoostingParameters = LifelongConfiguration.defaultModelParameters
    /// Share of a task's rows DiscoverRelations holds out to measure other tasks' models on
    /// (the learner's calibration fraction).
    public var heldOutFraction = LifelongConfiguration().calibrationFraction
    /// A task with fewer rows is not split: every row trains its model and measures the others
    /// (the learner's `minCalibrationRows`).
    public var minHeldOutRows = LifelongConfiguration().minCalibrationRows
    /// Seed of the held-out splits and of the relation models.
    public var seed: UInt64 = 0

    /// Defaults.
    public init() {}
}
