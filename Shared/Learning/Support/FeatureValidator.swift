/// Checks rows handed to a model at inference: the feature count, no infinite value, and
/// valid category codes. NaN is accepted and means missing.
struct FeatureValidator: Sendable {
    let featureCount: Int
    /// (feature index, category count) of the categorical features.
    let categorical: [(Int, Int)]
    let names: [String]

    init(encoding: FeatureEncoding) {
        featureCount = encoding.featureCount
        categorical = encoding.features.enumerated().compactMap { index, column in
            column.categories.map { (index, $0.count) }
        }
        names = encoding.features.map(\.name)
    }

    @inline(__always)
    func checkCount(_ count: Int) throws {
        guard count == featureCount else {
            throw LearningError(
                .featureCountMismatch, "the model takes \(featureCount) features per row, got \(count)")
        }
    }

    /// - Parameter rowIndex: The row's index in a batch, for the error message.
    @inline(__always)
    func check(_ row: UnsafePointer<Float>, rowIndex: Int? = nil) throws {
        var allFinite = true
        for feature in 0..<featureCount { allFinite = allFinite && !row[feature].isInfinite }
        if !allFinite {
            let feature = (0..<featureCount).first { row[$0].isInfinite }!
            throw LearningError(
                .nonFiniteValue, "\(rowText(rowIndex))feature \(feature) is \(row[feature]); use NaN for missing",
                line: rowIndex.map { $0 + 1 }, column: feature + 1, field: names[feature])
        }
        for (feature, count) in categorical {
            let value = row[feature]
            if value.isNaN { continue }
            if value < 0 || value >= Float(count) || value != value.rounded() {
                throw LearningError(
                    .unknownCategory,
                    "\(rowText(rowIndex))category code \(value) is not in 0..<\(count); encode unknown categories as NaN (see FeatureEncoding.encodeRow)",
                    line: rowIndex.map { $0 + 1 }, column: feature + 1, field: names[feature])
            }
        }
    }

    private func rowText(_ rowIndex: Int?) -> String {
        rowIndex.map { "row \($0): " } ?? ""
    }
}
