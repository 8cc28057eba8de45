public import LifelongLearning

/// Settings of the lifelong learner. Defaults suit a few thousand rows and tens of tasks.
public struct LifelongConfiguration: Sendable, Hashable {
    /// How tasks are defined.
    public var definition: TaskDefinition = .attributes
    /// Parameters of every task model and of the global model.
    public var model: GradientBoostingParameters = Self.defaultModelParameters
    /// Tasks with fewer training rows get no correction of their own: the prior specialized to
    /// them serves them. Clusters smaller than this are merged into their nearest neighbour.
    public var minTaskSize: Int = 10
    /// Related tasks' models a task without a model of its own is answered by (with the
    /// global model), at most.
    public var fallbackCount: Int = 3
    /// Share of each task's newly arrived rows held out to calibrate the detectors and
    /// measure relations.
    public var calibrationFraction: Double = 0.15
    /// A task's arrival with fewer rows than this is not split (all rows train).
    public var minCalibrationRows: Int = 60
    /// False-positive rate the confidence and distribution detectors are calibrated to.
    public var targetFalsePositiveRate: Double = 0.05
    /// Whether the confidence detector flags samples (it always drives blending).
    public var confidenceDetectorEnabled: Bool = true
    /// Whether the distribution detector flags samples.
    public var distributionDetectorEnabled: Bool = true
    /// Seed of splits, clustering and row sampling.
    public var seed: UInt64 = 0
    /// Whether the prior's model class (trees alone or on a linear base), depth, rounds and
    /// learning rate are chosen by inner validation on the labelled rows every update
    /// (``GridSearch``: 24 grid points × 2 folds, by validation error rate); otherwise the
    /// prior uses `model`.
    public var tunesPrior: Bool = true
    /// Learners in the bag: each trains the round on the same rows with its own seed (its own
    /// validation splits, hence its own prior's grid choice, corrections and levels), and a
    /// task is served by their task models averaged (`GradientBoostedTrees.averaging`, one
    /// model of the usual format). Member 0 is the learner with ``seed`` itself. One search
    /// on a few thousand rows picks among grid points a hair apart by chance, which moves
    /// 40-row tasks by points; averaging members hedges those choices (docs/lifelong.md,
    /// step 6). Each member costs one more training of the round.
    public var bagSize: Int = 2

    /// Depth-3 trees, 60 rounds, learning rate 0.1, 80 % row subsampling: small models that
    /// do not overfit a few hundred rows.
    public static var defaultModelParameters: GradientBoostingParameters {
        var parameters = GradientBoostingParameters()
        parameters.rounds = 60
        parameters.maxDepth = 3
        parameters.learningRate = 0.1
        parameters.rowSubsample = 0.8
        return parameters
    }

    /// Defaults.
    public init() {}

    /// The configuration of bag member `index` (0..<``bagSize``): this one with the member's
    /// seed (``seed`` itself for member 0) and a bag of one.
    public func member(_ index: Int) -> LifelongConfiguration {
        var member = self
        member.bagSize = 1
        if index > 0 { member.seed = seed ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15) }
        return member
    }

    /// Checks every field.
    /// - Throws: `LifelongError.invalidParameter` naming the field.
    public func validate() throws {
        do {
            try model.validate()
        } catch {
            throw LifelongError(.invalidParameter, "model: \(error)", field: "model", cause: error)
        }
        func check(_ ok: Bool, _ field: String, _ expectation: String) throws {
            if !ok { throw LifelongError(.invalidParameter, "\(field) must be \(expectation)", field: field) }
        }
        try check(minTaskSize >= 1, "minTaskSize", ">= 1")
        try check(bagSize >= 1, "bagSize", ">= 1")
        try check(fallbackCount >= 0, "fallbackCount", ">= 0")
        try check(calibrationFraction > 0 && calibrationFraction < 1, "calibrationFraction", "in (0, 1)")
        try check(minCalibrationRows >= 2, "minCalibrationRows", ">= 2")
        try check(targetFalsePositiveRate > 0 && targetFalsePositiveRate < 1, "targetFalsePositiveRate", "in (0, 1)")
        if case .clusters(let range) = definition {
            try check(range.lowerBound >= 1, "definition.kRange", "at least 1")
        }
    }
}

/// What an update did to each task. With a bag of learners (``LifelongConfiguration/bagSize``)
/// the per-task rounds, scales, levels, borrowed starts and the prior's parameters are bag
/// member 0's: the served models average every member's.
public struct UpdateReport: Sendable, Hashable {
    /// The update's number (1 for the first).
    public var round: Int
    /// Tasks created in this update (warm-started from related tasks when small).
    public var created: [String]
    /// Known tasks that received rows and were retrained.
    public var retrained: [String]
    /// Tasks kept as they were, model bytes identical.
    public var untouched: [String]
    /// Per created or retrained task, the boosting rounds its own rows added to its prior
    /// (0: the prior alone served it best in inner validation, or it has too few rows).
    public var correctionRounds: [String: Int]
    /// Per created or retrained task, the factor on its correction's scores: the round's
    /// credibility of corrections (``TaskPriorTrainer``), 1 when trusted as trained, 0 when
    /// the prior served alone (also for every task of a round whose per-task steps did not
    /// turn held-out answers right, ``RoundGate``).
    public var correctionScales: [String: Float] = [:]
    /// Per created or retrained task, its level against the prior it starts from: per raw
    /// score, the shift the round's level penalty lets its rows make (``RoundTraining/Start/levelShift``;
    /// empty: none).
    public var levelShifts: [String: [Float]] = [:]
    /// Rows of this update, per task.
    public var rowsPerTask: [String: Int]
    /// Per known task whose function drifted, its earlier rows retired in this update (the
    /// task learns from its new rows on; see `RoundTraining.outdates`).
    public var outdatedRows: [String: Int] = [:]
    /// Per created or retrained task whose start borrows from a better-fitting known task (the
    /// mean of the prior specialized to its own attribute values and to that task's; see
    /// `RoundTraining.start`), that task's values.
    public var borrowedAttributes: [String: [String]] = [:]
    /// The prior's hyper-parameters in this update (chosen by the grid when
    /// ``LifelongConfiguration/tunesPrior``); nil when the update trained no prior.
    public var priorParameters: GradientBoostingParameters? = nil

    /// `outdatedRows` for reports, task names in order: "kiosk_south (300 rows)".
    public var outdatedRowsDescriptions: [String] {
        outdatedRows.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value) rows)" }
    }

    /// One line for reports: "8 created, 0 retrained, 2 untouched; drifted, earlier rows
    /// retired: kiosk_south (300 rows); prior: trees on a linear base, depth 2, …".
    public var summary: String {
        let retired = outdatedRowsDescriptions
        return "\(created.count) created, \(retrained.count) retrained, \(untouched.count) untouched"
            + (retired.isEmpty ? "" : "; drifted, earlier rows retired: " + retired.joined(separator: ", "))
            + (priorDescription.map { "; prior: " + $0 } ?? "")
    }

    /// The prior's model class and size in words: "trees on a linear base, depth 2, learning
    /// rate 0.1, 57 rounds"; nil without a prior.
    public var priorDescription: String? {
        guard let parameters = priorParameters else { return nil }
        let base: String
        if !parameters.linearSlopeFeatures.isEmpty {
            base = "trees on a linear base with slopes per attribute value (penalty \(parameters.linearSlopeL2Lambda))"
        } else {
            base = parameters.linearBase ? "trees on a linear base" : parameters.ignoredFeatures.isEmpty ? "trees" : "trees without the attributes"
        }
        return base + ", depth \(parameters.maxDepth), learning rate \(parameters.learningRate), \(parameters.rounds) rounds"
    }
}
