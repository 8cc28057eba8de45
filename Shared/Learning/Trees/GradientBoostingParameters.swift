/// Hyper-parameters of gradient-boosted tree training. Defaults follow XGBoost's.
public struct GradientBoostingParameters: Sendable, Hashable {
    /// The loss; nil picks it from the label: squared error for regression, binary logistic
    /// for two classes, softmax for more.
    public var objective: ModelObjective? = nil
    /// Boosting rounds (one tree per round, one per class per round for softmax). 1…100 000.
    public var rounds: Int = 100
    /// Maximum tree depth (a root-only tree has depth 0). 1…12: histogram memory grows with
    /// the nodes of a level, up to 2^maxDepth × features × 4 KiB.
    public var maxDepth: Int = 6
    /// Shrinkage of every leaf value ("eta"). In (0, 10].
    public var learningRate: Float = 0.3
    /// Minimum hessian sum in each child of a split. ≥ 0.
    public var minChildWeight: Float = 1
    /// L2 penalty on leaf values ("lambda"). ≥ 0.
    public var l2Lambda: Float = 1
    /// Minimum loss reduction a split must bring ("gamma", "min_split_loss"). ≥ 0.
    public var gamma: Float = 0
    /// Fraction of rows sampled (without replacement, per round) to grow the trees on. In (0, 1].
    public var rowSubsample: Float = 1
    /// Fraction of features sampled per tree. In (0, 1].
    public var columnSubsample: Float = 1
    /// Histogram bins per feature, including the bin for missing values. 2…256.
    public var maxBins: Int = 256
    /// With a validation set: stop when its loss has not improved for this many rounds and
    /// keep the best round's trees. nil: train every round (losses are still recorded).
    public var earlyStoppingRounds: Int? = nil
    /// Seed of row and column sampling.
    public var seed: UInt64 = 0
    /// Fit a linear model first (L2 logistic regression, or ridge regression for a numeric
    /// label, at their default penalties) and boost the trees from its raw scores: a hybrid
    /// model, whose scores are the linear part's plus the trees'. Where the label moves
    /// smoothly with a few features, the linear part carries that trend and the trees what it
    /// misses; trees alone approximate a slanted boundary with many axis-aligned steps.
    /// Not combined with a ``BoostingStart`` (a base margin or row weights).
    public var linearBase: Bool = false
    /// With ``linearBase`` and a class label: categorical features (by name) whose values
    /// each give the linear base slopes of their own (``LogisticRegression/Parameters/categorySlopeFeatures``):
    /// per attribute value of a task, how its label answers the other features. Empty: none.
    public var linearSlopeFeatures: [String] = []
    /// The L2 penalty on those slopes' offsets (the shared weights keep the linear model's
    /// default). ≥ 0.
    public var linearSlopeL2Lambda: Float = 1e-2
    /// Features (by name) the trees never split on: the model keeps them in its encoding and
    /// ignores them. Where a column's values are many and their rows few (a task attribute of
    /// 51 states), splits on it fit noise; a grid search can then choose the model without it.
    /// Trees only: not combined with ``linearBase``. Empty: every feature may be split on.
    public var ignoredFeatures: [String] = []

    /// Default parameters.
    public init() {}

    /// Checks every parameter's range.
    /// - Throws: `LearningError` `.invalidParameter` naming the parameter.
    public func validate() throws {
        func check(_ condition: Bool, _ field: String, _ expectation: String, _ value: Any) throws {
            if !condition {
                throw LearningError(.invalidParameter, "\(field) must be \(expectation), got \(value)", field: field)
            }
        }
        try check((1...100_000).contains(rounds), "rounds", "in 1...100000", rounds)
        try check((1...12).contains(maxDepth), "maxDepth", "in 1...12", maxDepth)
        try check(learningRate > 0 && learningRate <= 10, "learningRate", "in (0, 10]", learningRate)
        try check(minChildWeight >= 0 && minChildWeight.isFinite, "minChildWeight", "finite and >= 0", minChildWeight)
        try check(l2Lambda >= 0 && l2Lambda.isFinite, "l2Lambda", "finite and >= 0", l2Lambda)
        try check(gamma >= 0 && gamma.isFinite, "gamma", "finite and >= 0", gamma)
        try check(rowSubsample > 0 && rowSubsample <= 1, "rowSubsample", "in (0, 1]", rowSubsample)
        try check(columnSubsample > 0 && columnSubsample <= 1, "columnSubsample", "in (0, 1]", columnSubsample)
        try check((2...256).contains(maxBins), "maxBins", "in 2...256", maxBins)
        try check(
            linearSlopeL2Lambda >= 0 && linearSlopeL2Lambda.isFinite, "linearSlopeL2Lambda", "finite and >= 0", linearSlopeL2Lambda)
        try check(linearSlopeFeatures.isEmpty || linearBase, "linearSlopeFeatures", "empty without linearBase", linearSlopeFeatures)
        try check(ignoredFeatures.isEmpty || !linearBase, "ignoredFeatures", "empty with linearBase", ignoredFeatures)
        if let earlyStoppingRounds {
            try check(earlyStoppingRounds >= 1, "earlyStoppingRounds", ">= 1", earlyStoppingRounds)
        }
    }
}
