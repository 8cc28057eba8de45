import Glibc
import FoundationEssentials
public import LifelongLearning

/// The cloud side of lifelong learning: keeps every task's labelled rows, and on each batch
/// of newly labelled rows updates the task index.
///
/// Per task an update decides:
/// - **new** task: created; its model is the prior (one model on every task's rows that also
///   sees the task attributes) specialized to the task, plus the correction rounds its own
///   rows earn by inner validation (``TaskPriorTrainer``);
/// - **known** task with new rows: rebuilt the same way from the new prior;
/// - **untouched** task: its model is kept as the same bytes (same digest).
/// A task's model changes only when its own data changes, so nothing learned is forgotten by
/// construction; the global model (for samples of no known task) is retrained on all rows
/// every update.
public struct LifelongLearner: Sendable {
    /// The settings.
    public let configuration: LifelongConfiguration
    /// The current index; nil before the first update.
    public private(set) var index: TaskIndex?
    /// Updates done so far.
    public private(set) var round: Int = 0
    /// Each bag member's prior parameters as the last update's grid search chose them on
    /// ``learnedRows()`` (member 0 first); empty when those rows are not what the priors were
    /// searched on — the prior is not tuned, a drift retired rows, or no prior was trained. A
    /// baseline running the same search on the same rows (``LifelongExperiment``'s tuned ones)
    /// takes them instead of searching again.
    public private(set) var searchedPriorParameters: [GradientBoostingParameters] = []

    struct TaskData: Sendable {
        var train: LabelledSet
        var heldOut: LabelledSet?
        var attributes: [String]
        var cluster: Int?
        var createdAtUs: Int64
        var updatedAtUs: Int64
        var digest: String?

        /// Training and held-out rows together.
        func allRows() throws -> LabelledSet {
            try heldOut.map { try train.appending($0) } ?? train
        }

        /// The positions in `allRows()`, shifted by `offset`, of the rows that were there
        /// before the last arrival (`earlier`: the training and held-out counts then) and of
        /// the rows that arrived.
        func rowsByAge(_ earlier: (train: Int, heldOut: Int), offset: Int) -> (earlier: [Int], new: [Int]) {
            let heldOutStart = offset + train.rowCount
            let heldOutCount = heldOut?.rowCount ?? 0
            return (
                Array(offset..<(offset + earlier.train)) + Array(heldOutStart..<(heldOutStart + earlier.heldOut)),
                Array((offset + earlier.train)..<heldOutStart) + Array((heldOutStart + earlier.heldOut)..<(heldOutStart + heldOutCount))
            )
        }

        /// Keeps only the rows of the last arrival (`earlier`: the counts before it).
        /// - Returns: The rows retired, training then held-out.
        mutating func retireEarlierRows(_ earlier: (train: Int, heldOut: Int)) throws -> LabelledSet {
            var retired = train.selecting(rows: Array(0..<earlier.train))
            train = train.selecting(rows: Array(earlier.train..<train.rowCount))
            if let rows = heldOut {
                if earlier.heldOut > 0 { retired = try retired.appending(rows.selecting(rows: Array(0..<earlier.heldOut))) }
                heldOut = rows.rowCount > earlier.heldOut ? rows.selecting(rows: Array(earlier.heldOut..<rows.rowCount)) : nil
            }
            return retired
        }
    }

    private var taskData: [String: TaskData] = [:]
    /// The rows a drift retired (``TaskData/retireEarlierRows(_:)``), in the order retired.
    private var retiredRows: LabelledSet?
    private var encoding: FeatureEncoding?
    private var attributeNames: [String] = []
    private var standardizer: FeatureStatistics?
    private var centroids: [TaskAllocator.Centroid] = []
    private var storedModels: [String: StoredModel] = [:]

    /// Creates a learner with no tasks.
    /// - Throws: `LifelongError.invalidParameter` for an invalid configuration.
    public init(configuration: LifelongConfiguration = LifelongConfiguration()) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// The training rows of a task (without its held-out rows).
    public func trainingRows(of task: String) -> LabelledSet? { taskData[task]?.train }

    /// The held-out rows of a task, if it has any.
    public func heldOutRows(of task: String) -> LabelledSet? { taskData[task]?.heldOut }

    /// Learns from newly labelled rows and rebuilds the index.
    /// - Parameters:
    ///   - data: The rows (features, labels, attribute values for attribute tasks).
    ///   - timeUs: The update's time, microseconds since the Unix epoch (recorded on tasks).
    /// - Returns: What happened to each task.
    /// - Throws: `LifelongError.emptyData` for no rows, `.schemaMismatch` when the schema
    ///   differs from earlier updates, `.missingColumn` for attribute tasks without attributes,
    ///   `.learning` when training fails.
    @discardableResult
    public mutating func update(with data: LabelledSet, timeUs: Int64 = 0) throws -> UpdateReport {
        guard data.rowCount > 0 else { throw LifelongError(.emptyData, "an update needs at least one labelled row") }
        guard data.table.encoding.classCount >= 2 else {
            throw LifelongError(.invalidParameter, "lifelong learning needs a classification label with at least two classes", field: "label")
        }
        if let encoding {
            guard data.table.encoding == encoding, data.attributeNames == attributeNames else {
                throw LifelongError(.schemaMismatch, "the rows' schema or attribute columns differ from earlier updates")
            }
        } else {
            if case .attributes = configuration.definition, data.attributeNames.isEmpty {
                throw LifelongError(.missingColumn, "attribute tasks need attribute columns", field: "attributes")
            }
            encoding = data.table.encoding
            attributeNames = configuration.definition == .attributes ? data.attributeNames : []
            standardizer = FeatureStatistics(table: data.table)
        }
        round += 1
        let rowsByTask = try partition(data)

        // Place the new rows: split off held-out rows, append to the task.
        var created: [String] = [], retrained: [String] = []
        var rowsPerTask: [String: Int] = [:]
        var earlierCounts: [String: (train: Int, heldOut: Int)] = [:]
        for (name, rows) in rowsByTask.sorted(by: { $0.key < $1.key }) {
            let arrival = data.selecting(rows: rows.rows)
            rowsPerTask[name] = rows.rows.count
            var train = arrival
            var heldOut: LabelledSet?
            if arrival.rowCount >= configuration.minCalibrationRows,
               let split = try? arrival.table.split(
                evalFraction: configuration.calibrationFraction, seed: configuration.seed ^ Self.hash(name) ^ UInt64(round))
            {
                train = arrival.selecting(rows: split.trainRows)
                heldOut = arrival.selecting(rows: split.evalRows)
            }
            if var existing = taskData[name] {
                earlierCounts[name] = (existing.train.rowCount, existing.heldOut?.rowCount ?? 0)
                existing.train = try existing.train.appending(train)
                if let heldOut { existing.heldOut = try existing.heldOut.map { try $0.appending(heldOut) } ?? heldOut }
                existing.updatedAtUs = timeUs
                taskData[name] = existing
                retrained.append(name)
            } else {
                taskData[name] = TaskData(
                    train: train, heldOut: heldOut, attributes: rows.attributes, cluster: rows.cluster, createdAtUs: timeUs,
                    updatedAtUs: timeUs, digest: nil)
                created.append(name)
            }
        }
        let changed = Set(created + retrained)
        let untouched = taskData.keys.filter { !changed.contains($0) }.sorted()

        // The prior: one model on every task's rows that also sees their attributes. Each
        // changed task starts from it specialized to its own attribute values or to a
        // better-known neighbour's, and adds the correction rounds its own rows earn by inner
        // validation (see RoundTraining and TaskPriorTrainer). Both learn from every labelled
        // row, held-out rows included (those also calibrate the detectors, whose
        // false-positive rate is then measured on rows never seen).
        let training = RoundTraining(configuration: configuration)
        let members = training.members
        let categories = RoundTraining.categories(
            attributeNames: attributeNames, taskAttributes: taskData.keys.sorted().map { taskData[$0]!.attributes })
        var correctionRounds: [String: Int] = [:]
        var correctionScales: [String: Float] = [:]
        var levelShifts: [String: [Float]] = [:]
        var (labelled, firstRow) = try pooledRows()
        // One prior per member of the bag (LifelongConfiguration.bagSize), each tuned by its own
        // search; member 0's decides what the members share (the drift test below). All or
        // none: the members train on the same rows (none when they hold one class).
        func allOrNone(_ trained: [RoundTraining.Prior]) -> [RoundTraining.Prior] { trained.count == members.count ? trained : [] }
        var priors = allOrNone(
            try labelled.map { rows in try members.compactMap { try $0.prior(rows: rows, categories: categories) } } ?? [])

        // A known task whose function drifted: its earlier rows are retired when leaving them
        // out fits its new rows better (RoundTraining.outdates), and the priors are trained
        // again without them (same parameters).
        var outdatedRows: [String: Int] = [:]
        if let first = priors.first {
            for name in retrained.sorted() {
                let data = taskData[name]!
                let (earlier, new) = data.rowsByAge(earlierCounts[name]!, offset: firstRow[name]!)
                if try members[0].outdates(earlierRows: earlier, newRows: new, attributes: data.attributes, prior: first, categories: categories) {
                    let retired = try taskData[name]!.retireEarlierRows(earlierCounts[name]!)
                    retiredRows = try retiredRows.map { try $0.appending(retired) } ?? retired
                    outdatedRows[name] = earlier.count
                }
            }
            if !outdatedRows.isEmpty {
                (labelled, firstRow) = try pooledRows()
                priors = allOrNone(
                    try labelled.map { rows in
                        try zip(members, priors).compactMap { try $0.prior(rows: rows, categories: categories, like: $1) }
                    } ?? [])
            }
        }
        let prior = priors.first
        searchedPriorParameters = configuration.tunesPrior && retiredRows == nil ? priors.map(\.parameters) : []

        // Global model on every task's training rows.
        var all: LabelledSet?
        for name in taskData.keys.sorted() {
            all = try all.map { try $0.appending(taskData[name]!.train) } ?? taskData[name]!.train
        }
        var globalDigest: String?
        if let all, let stored = try members[0].globalModel(rows: all) {
            storedModels[stored.digest] = stored
            globalDigest = stored.digest
        }

        let spans = try taskData.keys.sorted().map {
            RoundTraining.TaskSpan(name: $0, attributes: taskData[$0]!.attributes, rowCount: try taskData[$0]!.allRows().rowCount)
        }
        // Each member's starts; each changed task's model is its members' models averaged.
        let memberStarts = try zip(members, priors).map { try $0.starts(of: spans, training: changed, prior: $1, categories: categories) }
        let starts = memberStarts.first ?? [:]
        // Each changed task's model from every member's; without priors (one class) no task has
        // a model. Tasks are independent: each on its own core.
        let changedNames = changed.sorted()
        let data = taskData
        let trained = priors.isEmpty ? [] : try changedNames.concurrentMap { name in
            try training.baggedTaskModel(
                name, members: zip(priors, memberStarts).map { RoundTraining.MemberStart(prior: $0.model, start: $1[name]) },
                attributes: data[name]!.attributes, rows: try data[name]!.allRows(), categories: categories)
        }
        for name in changedNames where trained.isEmpty { taskData[name]!.digest = nil }
        for (name, trained) in zip(changedNames, trained) {
            storedModels[trained.model.digest] = trained.model
            taskData[name]!.digest = trained.model.digest
            correctionRounds[name] = trained.correctionRounds
            correctionScales[name] = starts[name]?.correctionScale ?? 1
            levelShifts[name] = starts[name]?.levelShift ?? []
        }
        let margins = prior?.margins
        let miner = TaskRelationMiner()
        let scale = standardizer!.stddev

        // Held-out rows trained the models too: the confidence detector is calibrated on their
        // out-of-fold scores instead (a new row of a known task meets a model that has not
        // seen it either).
        var outOfFoldConfidence: [String: [Double]] = [:]
        if let margins {
            for (name, data) in taskData {
                guard let heldOut = data.heldOut, let start = firstRow[name] else { continue }
                let first = start + data.train.rowCount
                let scores = margins[first..<(first + heldOut.rowCount)]
                if scores.allSatisfy({ !$0.isEmpty }) { outOfFoldConfidence[name] = scores.map(Self.confidenceScore) }
            }
        }
        index = try buildIndex(
            globalDigest: globalDigest, scale: scale, miner: miner, outOfFoldConfidence: outOfFoldConfidence)
        // Drop models no longer referenced.
        let referenced = Set(index!.models.keys)
        storedModels = storedModels.filter { referenced.contains($0.key) }
        return UpdateReport(
            round: round, created: created, retrained: retrained, untouched: untouched,
            correctionRounds: correctionRounds, correctionScales: correctionScales, levelShifts: levelShifts,
            rowsPerTask: rowsPerTask,
            outdatedRows: outdatedRows,
            borrowedAttributes: starts.filter { $0.value.attributes != taskData[$0.key]?.attributes }.mapValues(\.attributes),
            priorParameters: prior?.parameters)
    }

    /// Every row learned so far, in the order the prior trains on: every task's rows (training,
    /// then held-out), tasks in name order, then the rows a drift retired (which the prior no
    /// longer sees). Baselines trained on these rows in this order draw the same folds and row
    /// samples as the learner's prior (``LifelongExperiment``): common random numbers, so that a
    /// comparison measures what the learner adds to its prior, not which of two equally good
    /// fold splits each side drew. nil before the first update.
    public func learnedRows() throws -> LabelledSet? {
        let pooled = try pooledRows().rows
        guard let retiredRows else { return pooled }
        return try pooled.map { try $0.appending(retiredRows) } ?? retiredRows
    }

    /// Every task's rows (training, then held-out), tasks in name order, and where each task's
    /// rows begin.
    private func pooledRows() throws -> (rows: LabelledSet?, firstRow: [String: Int]) {
        var labelled: LabelledSet?
        var firstRow: [String: Int] = [:]
        for name in taskData.keys.sorted() {
            let rows = try taskData[name]!.allRows()
            firstRow[name] = labelled?.rowCount ?? 0
            labelled = try labelled.map { try $0.appending(rows) } ?? rows
        }
        return (labelled, firstRow)
    }

    /// The relations with the highest weights, relative weights (to the best) at least `minRelative`.
    static func strongest(_ relations: [TaskRelation], limit: Int, minRelative: Double) -> [TaskRelation] {
        let sorted = relations.filter { $0.weight > 0 }.sorted { $0.weight != $1.weight ? $0.weight > $1.weight : $0.from < $1.from }
        guard let best = sorted.first?.weight else { return [] }
        return sorted.prefix(limit).filter { $0.weight >= minRelative * best }.map {
            var relative = $0
            relative.weight = $0.weight / best
            return relative
        }
    }

    struct NewRows {
        var rows: [Int] = []
        var attributes: [String] = []
        var cluster: Int?
    }

    /// Splits new rows by task: attribute keys, or clusters (new clusters for rows the
    /// distribution detector flags, when there are enough of them).
    private mutating func partition(_ data: LabelledSet) throws -> [String: NewRows] {
        var result: [String: NewRows] = [:]
        switch configuration.definition {
        case .attributes:
            for row in 0..<data.rowCount {
                let key = data.attributeKey(ofRow: row)
                result[key, default: NewRows(attributes: data.attributes[row])].rows.append(row)
            }
        case .clusters(let kRange):
            var novel: [Int] = []
            // Rows beyond the calibrated distribution threshold are novel; before the detector
            // could be calibrated (no held-out rows), beyond twice a task's own 95 % distance.
            let detector = index?.detector(.distribution)
            let noveltyThreshold = detector.map { $0.threshold.isFinite ? $0.threshold : 2 } ?? 2
            for row in 0..<data.rowCount {
                let features = data.table.features(ofRow: row)
                if centroids.isEmpty {
                    novel.append(row)
                    continue
                }
                if let index, let nearest = index.nearestTasks(features, limit: 1).first, nearest.distance > noveltyThreshold {
                    novel.append(row)
                    continue
                }
                let point = standardizer!.standardize(features)
                let centroid = centroids[KMeansClustering.nearest(point, centroids.map(\.coordinates)).index]
                result[centroid.task, default: NewRows(cluster: taskData[centroid.task]?.cluster)].rows.append(row)
            }
            if !novel.isEmpty {
                if centroids.isEmpty || novel.count >= 2 * configuration.minTaskSize {
                    let subset = data.selecting(rows: novel)
                    let upper = min(kRange.upperBound, max(1, novel.count / configuration.minTaskSize))
                    let lower = min(kRange.lowerBound, upper)
                    let partition = try TaskPartition.define(
                        subset, by: .clusters(kRange: lower...upper), standardizer: standardizer!,
                        minTaskSize: configuration.minTaskSize, seed: configuration.seed ^ UInt64(round))
                    let base = (centroids.compactMap { taskData[$0.task]?.cluster }.max() ?? -1) + 1
                    for (offset, task) in partition.tasks.enumerated() {
                        let name = "cluster-\(base + offset)"
                        centroids.append(TaskAllocator.Centroid(coordinates: partition.centroids[offset], task: name))
                        result[name] = NewRows(rows: task.rows.map { novel[$0] }, attributes: [], cluster: base + offset)
                    }
                } else {
                    for row in novel {
                        let point = standardizer!.standardize(data.table.features(ofRow: row))
                        let centroid = centroids[KMeansClustering.nearest(point, centroids.map(\.coordinates)).index]
                        result[centroid.task, default: NewRows(cluster: taskData[centroid.task]?.cluster)].rows.append(row)
                    }
                }
            }
        }
        return result
    }

    /// Relations, groups, allocator, detectors and assignments over the current tasks.
    private func buildIndex(
        globalDigest: String?, scale: [Double], miner: TaskRelationMiner, outOfFoldConfidence: [String: [Double]]
    ) throws -> TaskIndex {
        let names = taskData.keys.sorted()
        let statistics = Dictionary(uniqueKeysWithValues: names.map { ($0, FeatureStatistics(table: taskData[$0]!.train.table)) })
        let lenders = names.compactMap { name -> (String, FeatureStatistics, StoredModel)? in
            guard let digest = taskData[name]!.digest, let model = storedModels[digest] else { return nil }
            return (name, statistics[name]!, model)
        }
        var relations: [TaskRelation] = []
        for name in names {
            let data = taskData[name]!
            let rows = data.heldOut ?? data.train
            relations += try miner.relations(
                to: name, rows: rows.table, statistics: statistics[name]!, lenders: lenders.map { ($0.0, $0.1, $0.2) },
                scale: scale)
        }
        relations = relations.filter { $0.weight > 0 }
        let groups = miner.groups(tasks: names, relations: relations)
        let groupOf = Dictionary(uniqueKeysWithValues: groups.flatMap { group in group.tasks.map { ($0, group.name) } })

        var models: [String: StoredModel] = [:]
        if let globalDigest { models[globalDigest] = storedModels[globalDigest] }
        var assignments: [TaskModelAssignment] = []
        let relationsTo = Dictionary(grouping: relations, by: \.to)
        for name in names {
            let data = taskData[name]!
            let fallbacks = Self.strongest(
                relationsTo[name] ?? [], limit: configuration.fallbackCount, minRelative: 0
            ).compactMap { relation -> WeightedModelReference? in
                guard let digest = taskData[relation.from]?.digest else { return nil }
                return WeightedModelReference(digest: digest, weight: relation.weight)
            }
            for reference in fallbacks { models[reference.digest] = storedModels[reference.digest] }
            if let digest = data.digest { models[digest] = storedModels[digest] }
            assignments.append(TaskModelAssignment(task: name, model: data.digest, fallbacks: fallbacks))
        }
        var tasks: [TaskRecord] = []
        for name in names {
            let data = taskData[name]!
            let own = statistics[name]!
            let distances = (0..<data.train.rowCount).map { own.meanSquaredZ(data.train.table.features(ofRow: $0)) }
            tasks.append(
                TaskRecord(
                    name: name, attributes: data.attributes, cluster: data.cluster, statistics: own,
                    sampleCount: data.train.rowCount, group: groupOf[name] ?? "", createdAtUs: data.createdAtUs,
                    updatedAtUs: data.updatedAtUs,
                    distanceThreshold: max(UnseenTaskDetector.quantile(distances, UnseenTaskDetector.taskQuantile), 1e-6)))
        }
        let allocator = TaskAllocator(
            kind: configuration.definition == .attributes ? .attributes : .clusters, attributeNames: attributeNames,
            routes: configuration.definition == .attributes
                ? names.map { TaskAllocator.Route(values: taskData[$0]!.attributes, task: $0) } : [],
            standardizer: standardizer!, centroids: centroids.filter { taskData[$0.task] != nil },
            featureCount: encoding!.featureCount)
        var index = try TaskIndex(
            encoding: encoding!, attributeNames: attributeNames, tasks: tasks, groups: groups, relations: relations,
            allocator: allocator, detectors: [], assignments: assignments, models: models, globalModel: globalDigest)
        index.detectors = try DetectorCalibration(
            targetFalsePositiveRate: configuration.targetFalsePositiveRate,
            confidenceEnabled: configuration.confidenceDetectorEnabled,
            distributionEnabled: configuration.distributionDetectorEnabled
        ).calibrate(
            index: index, heldOut: names.compactMap { name in taskData[name]!.heldOut.map { (name, $0) } },
            outOfFoldConfidence: outOfFoldConfidence)
        return index
    }

    /// 1 − the largest class probability of raw scores (one score: binary logistic).
    static func confidenceScore(_ scores: [Float]) -> Double {
        guard scores.count > 1 else {
            let p = 1 / (1 + Glibc.exp(-Double(scores.first ?? 0)))
            return 1 - max(p, 1 - p)
        }
        let maximum = Double(scores.max()!)
        let total = scores.reduce(0.0) { $0 + Glibc.exp(Double($1) - maximum) }
        return 1 - 1 / total
    }

    /// A stable 64-bit hash of a name (FNV-1a), for per-task seeds.
    static func hash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
