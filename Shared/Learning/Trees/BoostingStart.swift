/// Where boosting starts from, beyond the training rows: per-row weights, and raw scores to
/// continue from instead of the base scores (XGBoost's `weight` and `base_margin`).
///
/// Continuing from another model's raw scores makes the new trees a correction of that
/// model: ``GradientBoostedTrees/appending(_:)`` then joins the two into one model.
public struct BoostingStart: Sendable, Hashable {
    /// One weight per training row (≥ 0, finite): a row of weight w counts as w rows in every
    /// gradient and hessian sum. nil: all 1.
    public var rowWeights: [Float]?
    /// Raw scores per training row, row-major (`rows × scoreCount`): boosting continues from
    /// them and the model's base scores are 0. nil: from the base scores.
    public var baseMargin: [Float]?
    /// Raw scores per validation row, row-major; required with a validation set when
    /// `baseMargin` is given.
    public var validationBaseMargin: [Float]?

    /// Creates a start.
    public init(rowWeights: [Float]? = nil, baseMargin: [Float]? = nil, validationBaseMargin: [Float]? = nil) {
        self.rowWeights = rowWeights
        self.baseMargin = baseMargin
        self.validationBaseMargin = validationBaseMargin
    }

    /// Checks the arrays against the rows.
    /// - Throws: `LearningError.shapeMismatch` or `.invalidParameter` naming the field.
    func check(rows: Int, validationRows: Int?, scoreCount: Int) throws {
        if let rowWeights {
            guard rowWeights.count == rows else {
                throw LearningError(.shapeMismatch, "\(rowWeights.count) row weights for \(rows) rows", field: "rowWeights")
            }
            guard rowWeights.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
                throw LearningError(.invalidParameter, "row weights must be finite and >= 0", field: "rowWeights")
            }
        }
        if let baseMargin {
            guard baseMargin.count == rows * scoreCount, baseMargin.allSatisfy(\.isFinite) else {
                throw LearningError(
                    .shapeMismatch, "the base margin needs \(rows) × \(scoreCount) finite scores, got \(baseMargin.count)",
                    field: "baseMargin")
            }
            if let validationRows {
                guard let validationBaseMargin, validationBaseMargin.count == validationRows * scoreCount,
                      validationBaseMargin.allSatisfy(\.isFinite)
                else {
                    throw LearningError(
                        .shapeMismatch, "a validation set needs \(validationRows) × \(scoreCount) finite base-margin scores",
                        field: "validationBaseMargin")
                }
            }
        }
    }
}
