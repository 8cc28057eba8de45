public import PostgresClient

/// Everything the knowledge base can be told: where PostgreSQL is, which schema it owns,
/// and every limit on what a client may send or ask for. Each limit has a default that
/// suits one service on one host.
public struct KnowledgeBaseConfiguration: Sendable {
    /// The PostgreSQL connection pool.
    public var postgres: PostgresPoolConfiguration
    /// The schema holding the knowledge base's tables (created by the migrations); tests use
    /// one schema each.
    public var schema: String = "lifelong_kb"
    /// Limits on requests.
    public var limits = Limits()
    /// Decoded snapshots kept in memory (versions are immutable, so they never go stale).
    public var snapshotCacheCapacity: Int = 32

    /// Creates a configuration.
    /// - Parameter postgres: The connection pool.
    public init(postgres: PostgresPoolConfiguration) {
        self.postgres = postgres
    }

    /// Named limits: a request beyond one fails with RESOURCE_EXHAUSTED or INVALID_ARGUMENT
    /// naming the field, before anything is written.
    public struct Limits: Sendable, Hashable {
        /// Largest model accepted by PutModel.
        public var maximumModelBytes: Int64 = 1 << 30
        /// Size of the rows a model is stored in.
        public var modelStorageChunkBytes: Int = 1 << 20
        /// Chunk size of GetModel when the request gives none.
        public var defaultDownloadChunkBytes: Int = 1 << 20
        /// Largest chunk GetModel sends, whatever the request asks.
        public var maximumDownloadChunkBytes: Int = 4 << 20
        /// Most tasks in one snapshot.
        public var maximumTasksPerSnapshot: Int = 100_000
        /// Largest serialized snapshot.
        public var maximumSnapshotBytes: Int = 64 << 20
        /// Most samples in one SampleBatch of AddSamples.
        public var maximumSamplesPerBatch: Int = 10_000
        /// Most feature values in one sample.
        public var maximumFeaturesPerSample: Int = 10_000
        /// Longest sample key, job id, task name or other identifier, in UTF-8 bytes.
        public var maximumIdentifierBytes: Int = 256
        /// Samples per ListSamples batch when the request gives none.
        public var defaultListBatchSize: Int = 500
        /// Largest ListSamples batch.
        public var maximumListBatchSize: Int = 10_000
        /// Versions per ListVersions reply when the request gives none.
        public var defaultVersionsLimit: Int = 100
        /// Most versions per ListVersions reply.
        public var maximumVersionsLimit: Int = 10_000
        /// Most labels in one AttachLabels request.
        public var maximumLabelsPerRequest: Int = 100_000

        /// The defaults.
        public init() {}
    }
}
