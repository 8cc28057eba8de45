import Foundation
import JobQueue
import LifelongCore
import LifelongLearning
import LifelongProto

/// The first unit of a run: decides which tasks to train, trains what they share (the prior
/// with its out-of-fold raw scores, and the global model), and adds one unit per task. A
/// clustering run first gets its task plan (``ClusterPlan``) and groups the samples by it.
///
/// A task is trained when it is named in the request, or else when it is new (not in the
/// base snapshot) or has samples newer than the round's starting point: the request's
/// `since_sequence`, else the newest sample the run that published the base trained on.
/// A task with fewer training rows than `min_task_samples`, or no eval rows, is skipped and
/// reported; it does not fail the run.
enum PlanUnit {
    static let name = "plan"

    static func run(_ context: UnitContext) async throws {
        let request = context.request
        await context.emit(.started, "planning: reading the base snapshot and the job's samples")
        var since = request.sinceSequence
        if since == 0, request.baseVersion > 0 {
            since = try await context.store.trainedThrough(job: request.jobID, version: request.baseVersion) ?? 0
        }
        let inputs = try await RunInputs.load(context, since: since, planner: ClusterPlan.obtain(context))
        var samples = inputs.samples
        for (index, name) in request.taskNames.enumerated() where samples.tasks[name] == nil {
            throw TrainingError(.notFound, "task_names[\(index)]: job '\(request.jobID)' has no labelled samples of task '\(name)'")
        }
        let known = Set(inputs.base?.tasks.map(\.name) ?? [])
        let candidates = request.taskNames.isEmpty
            ? samples.taskNames.filter { !known.contains($0) || samples.tasks[$0]!.hasNewSamples } : request.taskNames.sorted()
        var skipped: [(String, String, Lifelong_V1_TrainingTaskOutcome)] = []
        var toTrain: [String] = []
        for name in candidates {
            let rows = samples.tasks[name]!
            var outcome = Lifelong_V1_TrainingTaskOutcome()
            outcome.taskName = name
            outcome.trainSamples = Int64(rows.train.rowCount)
            outcome.evalSamples = Int64(rows.eval.rowCount)
            if rows.train.rowCount < request.minTaskSamples {
                outcome.reason = "too few samples: \(rows.train.rowCount) training rows < min_task_samples \(request.minTaskSamples)"
            } else if rows.eval.rowCount == 0 {
                outcome.reason = "no eval samples: the task has no EVAL samples and its split left none"
            } else {
                toTrain.append(name)
                continue
            }
            outcome.kind = .skipped
            skipped.append((name, outcome.reason, outcome))
        }

        // What the unit leaves for the others, written with its completion.
        var artifacts: [(name: String, content: [UInt8])] = []
        // What the tasks share, trained once for the run.
        if !toTrain.isEmpty, let all = try samples.allTrainingRows() {
            await context.emit(.started, "training the shared prior on \(all.rowCount) rows of \(samples.tasks.count) tasks")
            // One prior and one set of starts per member of the bag (LifelongConfiguration.bagSize),
            // as LifelongLearner: member 0's prior decides what the members share.
            let members = RoundTraining(configuration: request.configuration).members
            let categories = samples.categories
            let chosen = Set(toTrain)
            let read = samples
            let trainFraction = request.trainFraction
            let cutoff = since
            let drifting = request.definesClusters ? [] : toTrain.filter { known.contains($0) && cutoff > 0 }
            let trained = try await context.train(task: "") {
                // Every member trains on the same rows: all have a prior, or none (one class).
                var priors = try members.compactMap { member in try member.prior(rows: all, categories: categories) }
                guard priors.count == members.count else {
                    return (
                        priors: [RoundTraining.Prior](), starts: [[String: RoundTraining.Start]](),
                        global: try members[0].globalModel(rows: all), samples: read, retired: [String]())
                }
                // A known task whose new samples show that its function changed: its earlier
                // samples are retired (as LifelongLearner does) and the priors trained without them.
                let (samples, retired) = try retiringOutdated(
                    read, tasks: drifting, through: cutoff, trainFraction: trainFraction, training: members[0], prior: priors[0],
                    categories: categories)
                var rows = all
                if !retired.isEmpty, let remaining = try samples.allTrainingRows() {
                    let again = try members.indices.compactMap { member in
                        try members[member].prior(rows: remaining, categories: categories, like: priors[member])
                    }
                    if again.count == members.count { (rows, priors) = (remaining, again) }
                }
                // Each task's start: its own specialization of the prior or a better-known task's.
                let spans = samples.taskNames.map {
                    RoundTraining.TaskSpan(name: $0, attributes: samples.tasks[$0]!.attributes, rowCount: samples.tasks[$0]!.train.rowCount)
                }
                let starts = try members.indices.map { member in
                    try members[member].starts(of: spans, training: chosen, prior: priors[member], categories: categories)
                }
                return (
                    priors: priors, starts: starts, global: try members[0].globalModel(rows: rows), samples: samples,
                    retired: retired)
            }
            guard !trained.priors.isEmpty else { throw TrainingError(.failedPrecondition, "the samples hold fewer than two classes") }
            samples = trained.samples
            for (member, prior) in trained.priors.enumerated() {
                artifacts.append((PlanArtifacts.name("prior", member: member), try StoredModel(.gradientBoostedTrees(prior.model)).bytes))
            }
            for (member, starts) in trained.starts.enumerated() {
                for (name, start) in starts {
                    func add(_ kind: String, _ content: [UInt8]) { artifacts.append((PlanArtifacts.name("\(kind):\(name)", member: member), content)) }
                    add("margins", MarginCodec.encode(start.margins))
                    add("start", StartAttributes.encode(start.attributes))
                    add("scale", Array(String(start.correctionScale).utf8))
                    if !start.levelShift.isEmpty { add("level", MarginCodec.encode([start.levelShift])) }
                }
            }
            for name in trained.retired {
                await context.emit(.started, task: name, "its samples through sequence \(since) are retired: its new samples show a changed function")
            }
            if let global = trained.global {
                let reference = try await context.kb.putModel(global, task: "", metrics: [], onWait: context.onWait)
                artifacts.append(("global", try reference.serializedBytes()))
            }
        }
        // The round trains on the samples as read now: each task unit gets its own (and the
        // sequence up to which the task's samples are retired, for its record).
        for name in toTrain {
            let retired = samples.tasks[name]!.retiredThrough
            if retired > 0 { artifacts.append(("retired:\(name)", Array(String(retired).utf8))) }
            var batch = Lifelong_V1_SampleBatch()
            batch.samples = samples.tasks[name]!.samples
            artifacts.append(("samples:\(name)", try batch.serializedBytes()))
        }
        let taskAttributes = samples.taskNames.map { samples.tasks[$0]!.attributes }
        artifacts.append(("categories", Array(try JSONEncoder().encode(taskAttributes))))
        artifacts.append(("schema", try inputs.schema.message.serializedBytes()))
        artifacts.append(("through", Array(String(samples.newestSequence).utf8)))

        let units = toTrain.map { QueueUnitSpec(name: TaskUnit.unitName($0), stage: 1, maxAttempts: context.configuration.maxAttempts) }
        let runID = context.runID
        let unit = context.unit
        let queued = toTrain.map { context.event(.queued, task: $0, "task queued for training") }
        let skippedOutcomes = skipped.map(\.2)
        let skippedEvents = skipped.map { context.event(.skipped, task: $0.0, "skipped: \($0.1)") }
        let written = artifacts
        let held = try await context.store.pool.withTransaction { connection in
            guard try JobQueue.holds(unit, on: connection) else { return false }
            for artifact in written { try RunStore.putArtifact(artifact.name, run: runID, content: artifact.content, on: connection) }
            try JobQueue.addUnits(units, run: runID, on: connection)
            for outcome in skippedOutcomes { try RunStore.putOutcome(outcome, taskSnapshot: nil, run: runID, on: connection) }
            for event in queued + skippedEvents { _ = try RunStore.append(event, run: runID, on: connection) }
            return try JobQueue.complete(unit, on: connection)
        }
        if !held { throw CancellationError() }
        var trainedInputs = inputs
        trainedInputs.samples = samples
        prefetchMining(context, inputs: trainedInputs, training: toTrain)
    }

    /// The samples with the samples up to `cutoff` of each of `tasks` whose function changed
    /// retired (``RoundTraining/outdates(earlierRows:newRows:attributes:prior:categories:)``
    /// on the prior trained on all of them), and the tasks retired.
    private static func retiringOutdated(
        _ samples: JobSamples, tasks: [String], through cutoff: Int64, trainFraction: Double, training: RoundTraining,
        prior: RoundTraining.Prior, categories: [CategoricalEncoding]
    ) throws -> (samples: JobSamples, retired: [String]) {
        var result = samples
        var retired: [String] = []
        for name in tasks {
            guard let range = samples.trainingRowRange(of: name), let rows = samples.tasks[name] else { continue }
            let positions = zip(range, rows.trainSequences)
            let earlier = positions.filter { $0.1 <= cutoff }.map(\.0)
            let new = positions.filter { $0.1 > cutoff }.map(\.0)
            if try training.outdates(earlierRows: earlier, newRows: new, attributes: rows.attributes, prior: prior, categories: categories) {
                result = try result.retiring(task: name, through: cutoff, trainFraction: trainFraction)
                retired.append(name)
            }
        }
        return (result, retired)
    }

    /// Has the publication's relations, groups and detectors measured beside the task units
    /// (``MiningPrefetch``), on the snapshot the run publishes when the gate accepts every
    /// task it trains and no other version is published meanwhile.
    private static func prefetchMining(_ context: UnitContext, inputs: RunInputs, training: [String]) {
        guard !training.isEmpty else { return }
        let request = context.request
        var once = context.kb
        once.retry.waitsWhileUnreachable = false
        let kb = once
        context.prefetch.start(run: context.runID, store: context.store, mining: context.mining, logger: context.logger) {
            let accepted = SnapshotMerge.ordered(
                try training.map { try TaskUnit.taskSnapshotMessage($0, inputs: inputs, rows: inputs.samples.tasks[$0]!, model: nil) })
            let latest = try await kb.snapshot(job: request.jobID, version: 0, onWait: { _ in })
            let merged = SnapshotMerge.merge(
                base: latest, empty: SnapshotMerge.empty(inputs.schema, clusters: request.definesClusters), accepted: accepted,
                globalModel: nil, plan: inputs.plan, job: request.jobID, note: "")
            return try MiningRequests(
                snapshot: merged, through: inputs.samples.newestSequence,
                targetFalsePositiveRate: request.configuration.targetFalsePositiveRate)
        }
    }
}
