import Synchronization

/// The snapshot served now. Replacing it is one atomic swap: a request takes the snapshot at
/// its start and finishes on it, so requests in flight during a swap complete on the old one.
public final class SnapshotSlot: Sendable {
    private let snapshot: Mutex<LoadedSnapshot?>

    /// Creates a slot holding `snapshot` (nil: none synced yet).
    public init(_ snapshot: LoadedSnapshot? = nil) {
        self.snapshot = Mutex(snapshot)
    }

    /// The snapshot served now, nil when none was ever synced.
    public var current: LoadedSnapshot? { snapshot.withLock { $0 } }

    /// Serves `new` from now on.
    public func swap(to new: LoadedSnapshot) {
        snapshot.withLock { $0 = new }
    }
}
