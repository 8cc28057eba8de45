import FoundationEssentials
public import LifelongProto
public import Logging
import RPCCore
import Synchronization

/// One node's conversation with the gateway: registration, heartbeat (which says the latest
/// version), snapshot pulls and unseen uploads. One sync runs at a time; a sync asked for
/// while one runs waits for it and then runs (so SyncNow always sees fresh state).
public final class EdgeSync: Sendable {
    let gateway: Lifelong_V1_Gateway.Client
    let store: EdgeStore
    let slot: SnapshotSlot
    let statistics: EdgeStatistics
    let configuration: EdgeConfiguration
    let engine: EdgeInferenceEngine
    let egress: EgressSetting
    let logger: Logger
    private let registered = Mutex(false)
    private let running = SyncGate()

    /// Creates the sync of a node.
    public init(
        gateway: Lifelong_V1_Gateway.Client, engine: EdgeInferenceEngine, egress: EgressSetting, logger: Logger
    ) {
        let store = engine.store, slot = engine.slot, statistics = engine.statistics, configuration = engine.configuration
        self.gateway = gateway
        self.store = store
        self.slot = slot
        self.statistics = statistics
        self.configuration = configuration
        self.engine = engine
        self.egress = egress
        self.logger = logger
    }

    /// Syncs once: registers (first time), heartbeats, pulls a newer snapshot, uploads what
    /// is due. Never throws: failures are reported in the reply and logged.
    public func syncOnce() async -> Lifelong_V1_SyncNowResponse {
        await running.run { await self.sync() }
    }

    private func sync() async -> Lifelong_V1_SyncNowResponse {
        var reply = Lifelong_V1_SyncNowResponse()
        engine.flushInferred()
        do {
            let latest = try await heartbeat()
            statistics.recordCloud(reachable: true)
            let served = slot.current?.version ?? 0
            // A version refused by a rollback (or older) is not pulled again; a newer one is.
            if latest > served, latest > (try store.refusedVersion()) {
                let installed = try await puller.pull(version: latest)
                logger.info("snapshot installed", metadata: ["edge.snapshot.version": "\(installed)", "edge.snapshot.previous": "\(served)"])
            }
            let outcome = try await uploader.uploadDue()
            reply.uploaded = outcome.uploaded
            reply.withheld = outcome.withheld
            try store.set(.lastSyncUs, to: Array(String(Int64(Date().timeIntervalSince1970 * 1_000_000)).utf8))
        } catch {
            statistics.recordCloud(reachable: false)
            reply.error = "\(EdgeError.classify(error).message)"
            if let rpc = error as? RPCError { reply.error = "\(rpc.code): \(rpc.message)" }
            logger.warning("sync failed", metadata: ["edge.error": "\(reply.error)"])
        }
        reply.snapshotVersion = slot.current?.version ?? 0
        return reply
    }

    /// Runs `body` while no sync runs (a rollback must not interleave with an install).
    public func exclusively<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await running.run(body)
    }

    /// Pulls `version` now (0 = latest), whatever the served one is.
    /// - Throws: What the pull throws.
    public func pull(version: Int64) async throws -> Int64 {
        try await running.run { try await self.puller.pull(version: version) }
    }

    private var puller: SnapshotPuller {
        SnapshotPuller(gateway: gateway, installer: SnapshotInstaller(store: store, slot: slot), store: store, configuration: configuration)
    }

    private var uploader: UnseenUploader {
        UnseenUploader(gateway: gateway, store: store, slot: slot, configuration: configuration, egress: egress)
    }

    /// Registers once, then heartbeats.
    /// - Returns: The latest published version.
    private func heartbeat() async throws -> Int64 {
        let counters = try store.counters()
        let served = slot.current?.version ?? 0
        if !registered.withLock({ $0 }) {
            var node = Lifelong_V1_EdgeNode()
            node.name = configuration.node
            node.egress = egress.current.policy
            node.snapshotVersion = served
            _ = try await gateway.registerEdge(node, options: configuration.sync.callOptions)
            registered.withLock { $0 = true }
        }
        var beat = Lifelong_V1_EdgeHeartbeat()
        beat.node = configuration.node
        beat.jobId = configuration.jobId
        beat.snapshotVersion = served
        beat.samplesInferred = counters[.samplesInferred] ?? 0
        beat.samplesUploaded = counters[.samplesUploaded] ?? 0
        beat.samplesBuffered = try store.bufferUsage().samples
        let reply = try await gateway.heartbeat(beat, options: configuration.sync.callOptions)
        // The cloud's policy for the job wins over the local one when it sends one.
        if let policy = reply.egress, policy.mode != .unspecified, policy != egress.current.policy {
            try egress.set(policy)
            logger.info("egress policy from the gateway applied", metadata: ["edge.egress.mode": "\(policy.mode)"])
        }
        return reply.latestVersion
    }
}
