import LifelongProto
import Synchronization

/// Decoded snapshots by job and version, least recently used evicted first. Versions are
/// immutable (only their status changes, and that is read from the table each time), so an
/// entry never goes stale.
final class SnapshotCache: Sendable {
    private struct Key: Hashable {
        var jobID: String
        var version: Int64
    }

    private struct Entry {
        var snapshot: Lifelong_V1_TaskIndexSnapshot
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    func get(jobID: String, version: Int64) -> Lifelong_V1_TaskIndexSnapshot? {
        state.withLock { state in
            let key = Key(jobID: jobID, version: version)
            guard var entry = state.entries[key] else { return nil }
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return entry.snapshot
        }
    }

    func put(_ snapshot: Lifelong_V1_TaskIndexSnapshot) {
        guard capacity > 0 else { return }
        state.withLock { state in
            state.clock += 1
            state.entries[Key(jobID: snapshot.jobId, version: snapshot.version)] = Entry(
                snapshot: snapshot, lastUse: state.clock)
            if state.entries.count > capacity,
                let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
            {
                state.entries.removeValue(forKey: oldest)
            }
        }
    }
}
