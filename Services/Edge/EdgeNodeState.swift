import FoundationEssentials
public import LifelongProto

/// The node's state as GetStatus, SyncNow and SetEgressPolicy see it: the store, the served
/// snapshot, the counters, the egress policy (stored, so it survives restarts) and the sync.
public final class EdgeNodeState: Sendable {
    let store: EdgeStore
    let slot: SnapshotSlot
    let statistics: EdgeStatistics
    let configuration: EdgeConfiguration
    let egressSetting: EgressSetting
    let sync: EdgeSync?
    let installer: SnapshotInstaller

    /// Creates the state.
    public init(
        store: EdgeStore, slot: SnapshotSlot, statistics: EdgeStatistics, configuration: EdgeConfiguration,
        egress: EgressSetting, sync: EdgeSync?
    ) {
        self.store = store
        self.slot = slot
        self.statistics = statistics
        self.configuration = configuration
        egressSetting = egress
        self.sync = sync
        installer = SnapshotInstaller(store: store, slot: slot)
    }

    /// The egress rules in force.
    public var egress: EgressRules { egressSetting.current }

    /// Checks, stores and applies a new egress policy.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT naming the field, ``SQLiteError``.
    public func setEgressPolicy(_ policy: Lifelong_V1_EgressPolicy) throws {
        try egressSetting.set(policy)
    }

    /// Syncs now, or says why it cannot.
    public func syncNow() async -> Lifelong_V1_SyncNowResponse {
        guard let sync else {
            var reply = Lifelong_V1_SyncNowResponse()
            reply.snapshotVersion = slot.current?.version ?? 0
            reply.error = "no gateway is configured (--gateway-address)"
            return reply
        }
        return await sync.syncOnce()
    }

    /// Serves the previous snapshot again and refuses the version rolled back from.
    /// - Parameter expected: The version the caller expects to be served; 0 = whichever is.
    /// - Throws: ``EdgeError`` FAILED_PRECONDITION (nothing to roll back to, another version
    ///   served), ``SQLiteError``, `LifelongError`.
    public func rollback(expecting expected: Int64) async throws {
        let installer = self.installer, store = self.store
        let rollback: @Sendable () async throws -> Int64 = {
            try await store.perform { _ in try installer.rollback(expecting: expected) }
        }
        if let sync { _ = try await sync.exclusively(rollback) } else { _ = try await rollback() }
    }

    /// The node's status.
    /// - Throws: ``SQLiteError``.
    public func status() throws -> Lifelong_V1_EdgeStatus {
        let counters = try store.counters()
        let counts = statistics.snapshot
        var status = Lifelong_V1_EdgeStatus()
        var node = Lifelong_V1_EdgeNode()
        node.name = configuration.node
        node.egress = egress.policy
        node.snapshotVersion = slot.current?.version ?? 0
        status.node = node
        status.snapshotVersion = node.snapshotVersion
        status.cloudReachable = counts.cloudReachable ?? false
        status.bufferedUnseen = try store.bufferUsage().samples
        status.queuedUploads = egress.allowsUploads ? status.bufferedUnseen : 0
        status.samplesInferred = (counters[.samplesInferred] ?? 0) + counts.unflushedInferred
        status.samplesUploaded = counters[.samplesUploaded] ?? 0
        status.lastSyncUs = try store.setting(.lastSyncUs).flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
        status.samplesTransferRatio =
            status.samplesInferred == 0 ? 0 : Double(status.samplesUploaded) / Double(status.samplesInferred)
        status.bufferRejected = counters[.bufferRejected] ?? 0
        status.bufferDropped = counters[.bufferDropped] ?? 0
        status.refusedVersion = try store.refusedVersion()
        return status
    }

    /// Samples uploaded ÷ samples inferred (0 before any inference).
    /// - Throws: ``SQLiteError``.
    public func samplesTransferRatio() throws -> Double {
        try status().samplesTransferRatio
    }
}
