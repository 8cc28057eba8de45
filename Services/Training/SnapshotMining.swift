import LifelongProto

/// The last step before publication: task mining recomputes the relations, groups and
/// unseen-task detectors of the merged snapshot over all its tasks (DiscoverRelations on the
/// job's training samples, BuildDetectors on its eval samples at the spec's target
/// false-positive rate, else the learner's 0.05 — both up to the round's newest sample),
/// replacing those of the base.
///
/// Only the snapshot's `relations`, `groups` and `detectors` change, and the `group` of the
/// tasks this run wrote: the records and models of untouched tasks stay as they were, bit for
/// bit (their `group` may then be stale: the snapshot's `groups` are the reference).
///
/// Task mining is asked only when ``MiningPrefetch`` has not already measured the same
/// requests (same ``MiningRequests/key``) beside the run's task units.
enum SnapshotMining {
    /// - Parameters:
    ///   - snapshot: The merged snapshot.
    ///   - requests: Its requests (``MiningRequests``).
    ///   - written: The tasks whose records this run wrote (accepted, or new from its plan).
    static func refresh(
        _ snapshot: Lifelong_V1_TaskIndexSnapshot, requests: MiningRequests, written: Set<String>, context: UnitContext
    ) async throws -> Lifelong_V1_TaskIndexSnapshot {
        await context.prefetch.wait(run: context.runID)
        let mined: Lifelong_V1_TaskIndexSnapshot
        if let stored = try await context.store.artifact(MiningPrefetch.artifactName(requests.key), run: context.runID) {
            await context.emit(
                .started, "task mining: relations, groups and detectors of \(snapshot.tasks.count) tasks, measured beside the task units")
            mined = try Lifelong_V1_TaskIndexSnapshot(serializedBytes: stored)
        } else {
            await context.emit(.started, "task mining: relations, groups and detectors of \(snapshot.tasks.count) tasks")
            mined = try await measure(requests, mining: context.mining, onWait: context.onWait)
        }
        var refreshed = snapshot
        refreshed.relations = mined.relations
        refreshed.groups = mined.groups
        refreshed.detectors = mined.detectors
        let groupOf = Dictionary(
            mined.groups.flatMap { group in group.tasks.map { ($0, group.name) } }, uniquingKeysWith: { first, _ in first })
        for index in refreshed.tasks.indices where written.contains(refreshed.tasks[index].name) {
            refreshed.tasks[index].group = groupOf[refreshed.tasks[index].name] ?? ""
        }
        return refreshed
    }

    /// Asks task mining; the answers in a snapshot holding only `relations`, `groups` and `detectors`.
    static func measure(
        _ requests: MiningRequests, mining: TaskMiningAccess, onWait: @Sendable (String) async -> Void
    ) async throws -> Lifelong_V1_TaskIndexSnapshot {
        // Independent calls, made at once: task mining reads the samples of one while it
        // computes the other.
        async let relations = mining.relations(requests, onWait: onWait)
        async let calibrated = mining.detectors(requests, onWait: onWait)
        let (found, detectors) = try await (relations, calibrated)
        var mined = Lifelong_V1_TaskIndexSnapshot()
        mined.relations = found.relations
        mined.groups = found.groups
        mined.detectors = detectors
        return mined
    }
}
