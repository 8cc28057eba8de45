/// A trained model over tabular rows: gradient-boosted trees, logistic or ridge regression.
///
/// Rows are Floats in the model's `encoding` order: numbers as they are, categorical values as
/// their codes, NaN for missing. Every prediction API checks its input: a wrong feature count
/// fails with `.featureCountMismatch`, an infinite value with `.nonFiniteValue`, a category
/// code outside the feature's encoding with `.unknownCategory`.
///
/// Outputs per row (`outputCount`): class probabilities for classification (two for binary),
/// the predicted value for regression.
public protocol TabularModel: Sendable {
    /// The columns the model reads and its label.
    var encoding: FeatureEncoding { get }
    /// The training objective, which fixes the outputs.
    var objective: ModelObjective { get }

    /// Predicts one row into caller-owned storage, without allocating.
    /// - Parameters:
    ///   - row: `encoding.featureCount` values.
    ///   - output: `objective.outputCount` values to overwrite.
    /// - Throws: `LearningError` as described on the protocol, or `.shapeMismatch` when
    ///   `output` has the wrong size.
    func predict(row: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) throws

    /// Predicts many rows; `rowMajor[row * featureCount + feature]`. Rows are spread over
    /// every core.
    /// - Returns: `rowCount * outputCount` values, row-major.
    func predictBatch(rowMajor: [Float]) throws -> [Float]
}

extension TabularModel {
    /// Values per row of a prediction.
    public var outputCount: Int { objective.outputCount }

    /// Predicts one row.
    /// - Returns: Class probabilities, or a one-element array with the regression value.
    public func predict(_ row: [Float]) throws -> [Float] {
        var output = [Float](repeating: 0, count: outputCount)
        try predict(row, into: &output)
        return output
    }

    /// Predicts one row into a reusable array (resized only when its count is wrong), so a
    /// caller that keeps the array allocates nothing per row.
    public func predict(_ row: [Float], into output: inout [Float]) throws {
        if output.count != outputCount { output = [Float](repeating: 0, count: outputCount) }
        try row.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer { try predict(row: input, into: $0) }
        }
    }

    /// The most probable class of one row (classification models).
    /// - Throws: `.invalidParameter` for a regression model, and the row errors.
    public func predictClass(_ row: [Float]) throws -> Int {
        guard objective.isClassification else {
            throw LearningError(.invalidParameter, "predictClass needs a classification model")
        }
        return Self.argmax(try predict(row)[...])
    }

    /// Predicts every row of a table whose encoding matches the model's.
    /// - Throws: `.shapeMismatch` when the table's features differ from the model's.
    public func predict(table: Table) throws -> [Float] {
        guard table.encoding.features == encoding.features else {
            throw LearningError(.shapeMismatch, "the table's features differ from the model's encoding")
        }
        return try predictBatch(rowMajor: table.rowMajorFeatures())
    }

    /// The most probable class per row, from row-major batch output.
    public func classes(fromBatch output: [Float]) -> [Int] {
        let width = outputCount
        return (0..<(output.count / width)).map { Self.argmax(output[($0 * width)..<(($0 + 1) * width)]) }
    }

    /// The position of the first highest value.
    static func argmax(_ values: ArraySlice<Float>) -> Int {
        values.withUnsafeBufferPointer(argmax)
    }

    /// The position of the first highest value (a row of scores in place, without a slice).
    static func argmax(_ values: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return best
    }
}
