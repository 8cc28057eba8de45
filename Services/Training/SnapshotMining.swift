import LifelongProto

/// The last step before publication: task mining recomputes the relations, groups and
/// unseen-task detectors of the merged snapshot over all its tasks (DiscoverRelations on the
/// job's training samples, BuildDetectors on its eval samples at the spec's target
/// false-positive rate, else the learner's 0.05), replacing those of the base.
///
/// Only the snapshot's `relations`, `groups` and `detectors` change, and the `group` of the
/// tasks this run wrote: the records and models of untouched tasks stay as they were, bit for
/// bit (their `group` may then be stale: the snapshot's `groups` are the reference).
enum SnapshotMining {
    /// - Parameters:
    ///   - snapshot: The merged snapshot.
    ///   - written: The tasks whose records this run wrote (accepted, or new from its plan).
    static func refresh(
        _ snapshot: Lifelong_V1_TaskIndexSnapshot, written: Set<String>, context: UnitContext
    ) async throws -> Lifelong_V1_TaskIndexSnapshot {
        await context.emit(.started, "task mining: relations, groups and detectors of \(snapshot.tasks.count) tasks")
        // Independent calls, made at once: task mining reads the samples of one while it
        // computes the other.
        async let relations = context.mining.relations(of: snapshot, onWait: context.onWait)
        async let calibrated = context.mining.detectors(
            of: snapshot, targetFalsePositiveRate: context.request.configuration.targetFalsePositiveRate, onWait: context.onWait)
        let (mined, detectors) = try await (relations, calibrated)
        var refreshed = snapshot
        refreshed.relations = mined.relations
        refreshed.groups = mined.groups
        refreshed.detectors = detectors
        let groupOf = Dictionary(
            mined.groups.flatMap { group in group.tasks.map { ($0, group.name) } }, uniquingKeysWith: { first, _ in first })
        for index in refreshed.tasks.indices where written.contains(refreshed.tasks[index].name) {
            refreshed.tasks[index].group = groupOf[refreshed.tasks[index].name] ?? ""
        }
        return refreshed
    }
}
