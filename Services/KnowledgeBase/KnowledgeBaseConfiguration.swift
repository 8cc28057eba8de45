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
    /// Where PutModel keeps the bytes of an upload until the last chunk arrived and was
    /// verified (one unlinked temporary file per upload, so nothing outlives the process);
    /// created if missing. See ``Limits/uploadSpoolBytes``.
    public var uploadSpoolDirectory: String = UploadSpool.defaultDirectory

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
        /// Largest snapshot as the service sends it back: the GetSnapshot reply, or the
        /// WatchSnapshots event carrying it, whichever is larger (see ``fitting(maxSendMessageBytes:maxReceiveMessageBytes:)``).
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
        /// Longest `request_id` of PublishSnapshot and RollbackSnapshot, in UTF-8 bytes.
        public var maximumRequestIDBytes: Int = 128
        /// Bytes all PutModel uploads in progress may keep in the spool together (each
        /// reserves its declared size when its first chunk arrives); beyond it an upload fails
        /// at once with RESOURCE_EXHAUSTED naming this limit.
        public var uploadSpoolBytes: Int64 = 4 << 30
        /// Longest a PutModel upload may go without a chunk arriving; then it fails with
        /// DEADLINE_EXCEEDED naming this limit, and its spooled bytes are deleted.
        public var uploadIdleTimeout: Duration = .seconds(30)

        /// These limits with ``maximumSnapshotBytes`` lowered, if need be, so that every
        /// snapshot that can be published can also be sent back — by GetSnapshot and inside a
        /// WatchSnapshots event — by a server with these message limits, and its
        /// PublishSnapshotRequest received.
        /// - Parameters:
        ///   - maxSendMessageBytes: The server's largest message sent.
        ///   - maxReceiveMessageBytes: The server's largest message received.
        /// - Returns: The adjusted limits.
        public func fitting(maxSendMessageBytes: Int, maxReceiveMessageBytes: Int) -> Limits {
            var limits = self
            // The request wraps the snapshot (a tag and a length, at most 6 bytes) and adds
            // its request_id (at most its limit plus 4 bytes): fewer bytes than the server adds
            // to what it sends back (version, status, times), except for that id.
            let requestOverhead = 16 + maximumRequestIDBytes
            limits.maximumSnapshotBytes = min(
                maximumSnapshotBytes, maxSendMessageBytes, maxReceiveMessageBytes - requestOverhead)
            return limits
        }

        /// The defaults.
        public init() {}
    }
}
