import JobQueue
import LifelongCore
import LifelongProto
import RPCCore

/// The last unit of a run: merges the accepted task models into the newest snapshot, has task
/// mining recompute its relations, groups and detectors (``SnapshotMining``), and publishes
/// it with compare-and-set on its base version, rebasing on a newer version and retrying when
/// another publisher won (ABORTED).
///
/// Exactly once: the snapshot and its request id (`<run>@<base>`) are stored before the
/// call, so a worker that takes the unit over sends the same request again and the KB answers
/// with the version it already made. The run turns `committing` before the first call: from
/// then on CancelTraining refuses, so a cancelled run never publishes.
enum PublishUnit {
    static let name = "publish"

    static func run(_ context: UnitContext) async throws {
        let runID = context.runID
        if let plan = try await context.queue.run(runID)?.units.first(where: { $0.name == PlanUnit.name }), plan.state != .completed {
            throw TrainingError(.failedPrecondition, "planning failed: \(plan.error)")
        }
        let outcomes = try await context.store.outcomes(runID)
        let accepted = SnapshotMerge.ordered(
            try outcomes.compactMap { try $0.taskSnapshot.map { try Lifelong_V1_TaskIndexSnapshot(serializedBytes: $0) } })
        guard !accepted.isEmpty else {
            try await finish(context, version: 0, message: nothingPublished(outcomes.map(\.outcome)))
            return
        }
        await context.emit(.started, "publishing \(accepted.count) task models")
        if let pending = try await context.store.artifact("publication", run: runID) {
            let request = try Lifelong_V1_PublishSnapshotRequest(serializedBytes: pending)
            if let version = try await publish(context, request.snapshot!, requestID: request.requestId) {
                try await finish(context, version: version, tasks: accepted)
                return
            }
        }
        guard let schemaBytes = try await context.store.artifact("schema", run: runID) else {
            throw TrainingError(.internalError, "the run's plan left no schema")
        }
        let clusters = context.request.definesClusters
        let schema = try JobSchema(
            try Lifelong_V1_FeatureSchema(serializedBytes: schemaBytes), field: "schema", attributeTasks: !clusters)
        let global = try await context.store.artifact("global", run: runID).map { try Lifelong_V1_ModelReference(serializedBytes: $0) }
        let plan = clusters ? try await ClusterPlan.load(context) : nil
        let empty = SnapshotMerge.empty(schema, clusters: clusters)
        let through = try await trainedThrough(context)
        let acceptedNames = Set(accepted.flatMap(\.tasks).map(\.name))
        while true {
            try context.stop.check()
            let latest = try await context.kb.snapshot(job: context.request.jobID, version: 0, onWait: context.onWait)
            let merged = SnapshotMerge.merge(
                base: latest, empty: empty, accepted: accepted, globalModel: global, plan: plan, nowUs: Clock.nowUs(),
                job: context.request.jobID, note: "training run \(runID)")
            let known = Set(latest?.tasks.map(\.name) ?? [])
            let requests = try MiningRequests(
                snapshot: merged, through: through, targetFalsePositiveRate: context.request.configuration.targetFalsePositiveRate)
            let snapshot = try await SnapshotMining.refresh(
                merged, requests: requests, written: acceptedNames.union(merged.tasks.map(\.name).filter { !known.contains($0) }), context: context)
            let requestID = "\(runID)@\(latest?.version ?? 0)"
            var request = Lifelong_V1_PublishSnapshotRequest()
            request.snapshot = snapshot
            request.requestId = requestID
            try await context.store.putArtifact("publication", run: runID, content: try request.serializedBytes())
            let kept = snapshot.tasks.map(\.name).filter { !acceptedNames.contains($0) }
            try await context.store.putArtifact("kept", run: runID, content: Array(kept.joined(separator: "\n").utf8))
            if let version = try await publish(context, snapshot, requestID: requestID) {
                try await finish(context, version: version, tasks: accepted)
                return
            }
            await context.emit(.started, "version \(latest?.version ?? 0) is no longer the newest; rebasing")
        }
    }

    /// Publishes once the run is committing; nil when another publisher won the base.
    private static func publish(_ context: UnitContext, _ snapshot: Lifelong_V1_TaskIndexSnapshot, requestID: String)
        async throws -> Int64?
    {
        guard try await context.queue.beginCommit(context.unit) else { throw CancellationError() }
        do {
            return try await context.kb.publish(snapshot, requestID: requestID, onWait: context.onWait)
        } catch let error as RPCError where error.code == .aborted {
            return nil
        }
    }

    /// The newest sample sequence the round read (the plan's `through` artifact; 0 when missing).
    static func trainedThrough(_ context: UnitContext) async throws -> Int64 {
        try await context.store.artifact("through", run: context.runID).flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? 0
    }

    /// Why a run published nothing: how many tasks the gate rejected and how many were not
    /// trained at all (too few rows, no eval rows), with the first skip's reason.
    static func nothingPublished(_ outcomes: [Lifelong_V1_TrainingTaskOutcome]) -> String {
        let rejected = outcomes.filter { $0.kind == .rejected }.count
        let skipped = outcomes.filter { $0.kind == .skipped }
        var parts: [String] = []
        if rejected > 0 { parts.append("\(rejected) task model(s) rejected by the gate") }
        if let first = skipped.first { parts.append("\(skipped.count) task(s) skipped (\(first.taskName): \(first.reason))") }
        return "completed: nothing published; " + (parts.isEmpty ? "no task to train" : parts.joined(separator: ", "))
    }

    /// Completes the unit and the run, with the published events.
    private static func finish(
        _ context: UnitContext, version: Int64, tasks: [Lifelong_V1_TaskIndexSnapshot] = [], message: String? = nil
    ) async throws {
        let runID = context.runID
        let unit = context.unit
        let through = try await trainedThrough(context)
        let events = tasks.flatMap(\.tasks).map { task in
            var event = context.event(.published, task: task.name, "published in snapshot version \(version)")
            event.snapshotVersion = version
            return event
        }
        var finished = context.event(.finished, message ?? "completed: published snapshot version \(version)")
        finished.state = .completed
        finished.progress = 1
        finished.snapshotVersion = version
        let progress = events
        let held = try await context.store.pool.withTransaction { [finished] connection in
            guard try JobQueue.holds(unit, on: connection) else { return false }
            try RunStore.setPublished(runID, version: version, trainedThrough: through, on: connection)
            for event in progress { _ = try RunStore.append(event, run: runID, on: connection) }
            _ = try JobQueue.complete(unit, on: connection)
            _ = try JobQueue.finish(runID, as: .completed, on: connection)
            return try RunStore.append(finished, run: runID, afterEnd: true, on: connection)
        }
        if !held { throw CancellationError() }
    }
}
