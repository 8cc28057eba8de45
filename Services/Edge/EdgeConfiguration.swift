/// Settings of an edge node, every one with a default (filled from flags and environment by
/// `lifelong-edge`).
public struct EdgeConfiguration: Sendable {
    /// Limits on requests.
    public struct Limits: Sendable {
        /// Most samples one request (or one stream message) may carry; more is RESOURCE_EXHAUSTED.
        public var maximumBatchSamples = 4_096

        /// Default limits.
        public init() {}
    }

    /// How the node talks to the gateway.
    public struct Sync: Sendable {
        /// Seconds between periodic syncs (snapshot check, uploads, heartbeat).
        public var intervalSeconds: Double = 30
        /// Most samples one upload batch carries.
        public var uploadBatchSamples = 256
        /// First retry delay of a failed upload, doubled per attempt up to ``maximumBackoffSeconds``.
        public var initialBackoffSeconds: Double = 1
        /// Longest retry delay.
        public var maximumBackoffSeconds: Double = 300
        /// Seconds between writes of the inferred-samples counter (batches without unseen
        /// samples only count in memory until then; also written at shutdown).
        public var counterFlushSeconds: Double = 5
        /// Deadline of one call to the gateway.
        public var callTimeoutSeconds: Double = 10

        /// Default sync settings.
        public init() {}
    }

    /// The node's name (unique among the job's edges; prefixes the keys of its samples).
    public var node = "edge-1"
    /// The job whose snapshots the node serves.
    public var jobId = "default"
    /// Name of the model in the Open Inference Protocol (empty: the job id).
    public var modelName = ""
    /// Request limits.
    public var limits = Limits()
    /// The unseen-sample buffer's quota.
    public var quota = BufferQuota()
    /// Sync with the gateway.
    public var sync = Sync()

    /// Defaults.
    public init() {}

    /// The model name the Open Inference Protocol serves.
    public var servedModelName: String { modelName.isEmpty ? jobId : modelName }
}
