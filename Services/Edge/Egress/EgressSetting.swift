public import LifelongProto
import Synchronization

/// The node's egress policy in force, kept in the store so it survives restarts (DENY until
/// one is set).
public final class EgressSetting: Sendable {
    private let store: EdgeStore
    private let rules: Mutex<EgressRules>

    /// Reads the stored policy.
    /// - Throws: ``SQLiteError``.
    public init(store: EdgeStore) throws {
        self.store = store
        let stored = try store.setting(.egressPolicy).flatMap { try? EgressRules(Lifelong_V1_EgressPolicy(serializedBytes: $0)) }
        rules = Mutex(stored ?? .deny)
    }

    /// The rules in force.
    public var current: EgressRules { rules.withLock { $0 } }

    /// Checks, stores and applies a new policy.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT naming the field, ``SQLiteError``.
    public func set(_ policy: Lifelong_V1_EgressPolicy) throws {
        let checked = try EgressRules(policy)
        try store.set(.egressPolicy, to: try policy.serializedBytes())
        rules.withLock { $0 = checked }
    }
}
