import LifelongCore
import LifelongLearning
import LifelongProto

/// A job's labelled samples from the knowledge base, split by task (the attribute values
/// joined, as the learner names attribute tasks, or the task a clustering plan's allocator
/// gives) into training and eval rows.
///
/// The eval split: a task's samples of kind EVAL when it has any; otherwise the samples whose
/// key hashes beyond `trainFraction` (stable, so every worker and every round split alike).
/// Rows keep the KB's sequence order, so every worker builds the same tables.
struct JobSamples: Sendable {
    struct TaskRows: Sendable {
        var attributes: [String]
        /// The task's samples as the KB gave them, in sequence order.
        var samples: [Lifelong_V1_Sample]
        var train: LabelledSet
        var eval: LabelledSet
        /// The KB sequence of each training row.
        var trainSequences: [Int64]
        /// The sequence up to which the task's samples are retired (left out); 0: none.
        var retiredThrough: Int64
        /// Newest sample sequence of the task.
        var newestSequence: Int64
        /// Whether the task has samples newer than the round's starting point.
        var hasNewSamples: Bool
    }

    var schema: JobSchema
    var tasks: [String: TaskRows]
    /// Newest sample sequence of the job.
    var newestSequence: Int64

    var taskNames: [String] { tasks.keys.sorted() }

    /// Splits samples.
    /// - Parameters:
    ///   - samples: The job's labelled samples, in sequence order.
    ///   - since: Samples after this sequence are new.
    ///   - allocator: A clustering plan's allocator (the core's, as task mining allocates);
    ///     nil: tasks by attribute values.
    ///   - retiredThrough: Per task, the sequence up to which its samples no longer describe
    ///     it (``retiring(task:through:trainFraction:)``); they are left out.
    /// - Throws: ``TrainingError`` INVALID_ARGUMENT when a sample does not fit the schema.
    init(
        _ samples: [Lifelong_V1_Sample], schema: JobSchema, trainFraction: Double, since: Int64, allocator: TaskAllocator? = nil,
        retiredThrough: [String: Int64] = [:]
    ) throws {
        self.schema = schema
        struct Pending {
            var attributes: [String]
            var rows: [(sample: Lifelong_V1_Sample, eval: Bool)] = []
            var hasEvalKind = false
        }
        var pending: [String: Pending] = [:]
        let classCount = schema.encoding.classCount
        let width = schema.encoding.featureCount
        var newest: Int64 = 0
        let tasksWithNewerEval = Self.tasksWithNewerEval(samples, retiredThrough: retiredThrough, attributeNames: schema.attributeNames)
        for sample in samples {
            guard let label = sample.label, label.present, label.classIndex >= 0, Int(label.classIndex) < classCount else { continue }
            guard sample.features.count == width else {
                throw TrainingError.invalid(
                    "samples[\(sample.key)].features", "\(sample.features.count) values; the schema has \(width) features")
            }
            let attributes = LabelledSet.attributeValues(of: sample, attributeNames: schema.attributeNames)
            let task: String
            if let allocator {
                guard let cluster = try allocator.allocate(features: sample.features.map { Float($0) }, attributes: []) else { continue }
                task = cluster
            } else {
                task = LabelledSet.key(attributes)
            }
            newest = max(newest, sample.sequence)
            if Self.isRetired(sample, task: task, retiredThrough: retiredThrough, tasksWithNewerEval: tasksWithNewerEval) { continue }
            pending[task, default: Pending(attributes: attributes)].rows.append((sample, sample.kind == .eval))
            if sample.kind == .eval { pending[task]!.hasEvalKind = true }
        }
        newestSequence = newest
        var tasks: [String: TaskRows] = [:]
        for (name, task) in pending {
            var train: [Lifelong_V1_Sample] = [], eval: [Lifelong_V1_Sample] = []
            for (sample, isEval) in task.rows {
                let held = task.hasEvalKind ? isEval : LabelledSet.isHeldOut(key: sample.key, trainFraction: trainFraction)
                if held { eval.append(sample) } else { train.append(sample) }
            }
            let sequences = task.rows.map(\.sample.sequence)
            tasks[name] = TaskRows(
                attributes: task.attributes, samples: task.rows.map(\.sample), train: try Self.labelledSet(train, schema: schema, attributes: task.attributes),
                eval: try Self.labelledSet(eval, schema: schema, attributes: task.attributes), trainSequences: train.map(\.sequence), retiredThrough: retiredThrough[name] ?? 0,
                newestSequence: sequences.max() ?? 0, hasNewSamples: sequences.contains { $0 > since })
        }
        self.tasks = tasks
    }

    /// The tasks (of `retiredThrough`) with EVAL samples after their cut-off. A task's EVAL
    /// samples are retired with the rest only once newer ones exist: until then they stay the
    /// gate's reference, so a model fitted to changed labels must still beat the deployed one
    /// on them (new training rows alone cannot overturn the user's evaluation set).
    static func tasksWithNewerEval(_ samples: [Lifelong_V1_Sample], retiredThrough: [String: Int64], attributeNames: [String]) -> Set<String> {
        guard !retiredThrough.isEmpty else { return [] }
        var tasks: Set<String> = []
        for sample in samples where sample.kind == .eval {
            let task = LabelledSet.key(LabelledSet.attributeValues(of: sample, attributeNames: attributeNames))
            if let retired = retiredThrough[task], sample.sequence > retired { tasks.insert(task) }
        }
        return tasks
    }

    /// Whether training leaves a sample of `task` out: it is at or before the task's cut-off,
    /// and it is a training sample or the task has EVAL samples after the cut-off.
    static func isRetired(
        _ sample: Lifelong_V1_Sample, task: String, retiredThrough: [String: Int64], tasksWithNewerEval: Set<String>
    ) -> Bool {
        guard let retired = retiredThrough[task], sample.sequence <= retired else { return false }
        return sample.kind != .eval || tasksWithNewerEval.contains(task)
    }

    /// The same samples with one attribute task's samples up to `sequence` left out (its
    /// function drifted: `RoundTraining.outdates`); its EVAL samples only when newer ones
    /// exist (``tasksWithNewerEval(_:retiredThrough:attributeNames:)``).
    func retiring(task: String, through sequence: Int64, trainFraction: Double) throws -> JobSamples {
        guard let rows = tasks[task] else { return self }
        var result = self
        let kept = try JobSamples(rows.samples, schema: schema, trainFraction: trainFraction, since: sequence, retiredThrough: [task: sequence])
        result.tasks[task] = kept.tasks[task]
        return result
    }

    /// Where a task's training rows are among ``allTrainingRows()``'s.
    func trainingRowRange(of task: String) -> Range<Int>? {
        var offset = 0
        for name in taskNames where tasks[name]!.train.rowCount > 0 {
            let count = tasks[name]!.train.rowCount
            if name == task { return offset..<(offset + count) }
            offset += count
        }
        return nil
    }

    /// Every task's training rows, tasks in name order: the rows of the shared prior.
    func allTrainingRows() throws -> LabelledSet? {
        var all: LabelledSet?
        for name in taskNames where tasks[name]!.train.rowCount > 0 {
            all = try all.map { try $0.appending(tasks[name]!.train) } ?? tasks[name]!.train
        }
        return all
    }

    /// Per attribute column, every task's value: the prior's categories.
    var categories: [CategoricalEncoding] {
        RoundTraining.categories(attributeNames: schema.attributeNames, taskAttributes: taskNames.map { tasks[$0]!.attributes })
    }

    static func labelledSet(_ samples: [Lifelong_V1_Sample], schema: JobSchema, attributes: [String]) throws -> LabelledSet {
        var rowMajor: [Float] = []
        rowMajor.reserveCapacity(samples.count * schema.encoding.featureCount)
        for sample in samples { rowMajor += sample.features.map { Float($0) } }
        let table = try Table(encoding: schema.encoding, rowMajor: rowMajor, labels: samples.map { Float($0.label!.classIndex) })
        return try LabelledSet(
            table: table, attributeNames: schema.attributeNames, attributes: Array(repeating: attributes, count: samples.count))
    }
}
