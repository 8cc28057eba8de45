import ContentDigest
import FoundationEssentials
public import LifelongProto

/// Puts snapshots into service: decodes and checks them with their models, stores them
/// (current → previous), then swaps the served snapshot. Also loads the stored one at start.
public struct SnapshotInstaller: Sendable {
    let store: EdgeStore
    let slot: SnapshotSlot

    /// Creates an installer.
    public init(store: EdgeStore, slot: SnapshotSlot) {
        self.store = store
        self.slot = slot
    }

    /// Serves the store's current snapshot, if there is one.
    /// - Returns: Its version, nil when none was ever synced.
    /// - Throws: What decoding a corrupt stored snapshot throws.
    @discardableResult
    public func loadStored() throws -> Int64? {
        guard let stored = try store.snapshot(.current) else { return nil }
        let loaded = try load(try Lifelong_V1_TaskIndexSnapshot(serializedBytes: stored.message))
        slot.swap(to: loaded)
        return loaded.version
    }

    /// Checks `message` against the stored models (every one must be present), stores it as
    /// current and serves it. Requests in flight finish on the snapshot they started with.
    /// - Throws: `LifelongError` for a snapshot that does not decode with its models (nothing
    ///   is changed then), ``SQLiteError``.
    public func install(_ message: Lifelong_V1_TaskIndexSnapshot) throws {
        let digests = Set(Self.modelReferences(of: message).map(\.sha256))
        let loaded = try load(message)
        let previous = try store.snapshot(.current)
        var keep = digests
        if let previous, let old = try? Lifelong_V1_TaskIndexSnapshot(serializedBytes: previous.message) {
            keep.formUnion(Self.modelReferences(of: old).map(\.sha256))
        }
        let stored = EdgeStore.StoredSnapshot(
            version: message.version, jobId: message.jobId, message: try message.serializedBytes(),
            installedAtUs: Int64(Date().timeIntervalSince1970 * 1_000_000))
        try store.install(stored, keepingModels: keep)
        slot.swap(to: loaded)
    }

    /// Serves the previous stored snapshot again (see `EdgeStore.rollback(expecting:)`): it is
    /// decoded first, so a snapshot that does not decode changes nothing.
    /// - Parameter expected: The version the caller expects to be served now; 0 = whichever is.
    /// - Returns: The version served now.
    /// - Throws: ``EdgeError`` FAILED_PRECONDITION when there is nothing to roll back to or
    ///   another version is served; `LifelongError`, ``SQLiteError``.
    public func rollback(expecting expected: Int64) throws -> Int64 {
        guard let served = slot.current?.version else {
            throw EdgeError(.failedPrecondition, "no snapshot was synced yet: there is nothing to roll back")
        }
        guard expected == 0 || expected == served else {
            throw EdgeError(.failedPrecondition, "from_version: \(expected) is not served; version \(served) is")
        }
        guard let previous = try store.snapshot(.previous) else {
            throw EdgeError(.failedPrecondition, "no previous snapshot is stored to roll back to (version \(served) is served)")
        }
        let loaded = try load(try Lifelong_V1_TaskIndexSnapshot(serializedBytes: previous.message))
        guard try store.rollback(expecting: served) != nil else {
            throw EdgeError(.failedPrecondition, "the stored snapshots changed during the rollback; try again")
        }
        slot.swap(to: loaded)
        return loaded.version
    }

    /// Decodes a snapshot with its models read from the store; once the model bytes and the
    /// decoded trees are released, the freed heap pages go back to the system.
    private func load(_ message: Lifelong_V1_TaskIndexSnapshot) throws -> LoadedSnapshot {
        let loaded = try {
            let digests = Set(Self.modelReferences(of: message).map(\.sha256))
            return try LoadedSnapshot(message: message, models: try store.models(digests))
        }()
        ProcessMemory.returnFreedMemory()
        return loaded
    }

    /// Stores a model after checking that its bytes hash to `digest`.
    /// - Throws: ``EdgeError`` (DATA_LOSS-like INTERNAL) when they do not, ``SQLiteError``.
    public func storeModel(digest: String, bytes: [UInt8]) throws {
        let actual = SHA256Digest.hex(of: bytes)
        guard actual == digest else {
            throw EdgeError(.internalError, "model \(digest): the bytes received hash to \(actual)")
        }
        try store.putModel(digest: digest, bytes: bytes)
    }

    /// Every model reference of a snapshot (task models, fallbacks, the global model).
    static func modelReferences(of snapshot: Lifelong_V1_TaskIndexSnapshot) -> [Lifelong_V1_ModelReference] {
        var references: [Lifelong_V1_ModelReference] = []
        for assignment in snapshot.assignments {
            if let model = assignment.model { references.append(model) }
            references += assignment.fallbacks.compactMap(\.model)
        }
        if let global = snapshot.globalModel { references.append(global) }
        return references.filter { !$0.sha256.isEmpty }
    }
}
