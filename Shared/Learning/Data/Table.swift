/// Typed tabular data: feature columns (numeric values or categorical codes, NaN for missing)
/// and one label per row (a class code for classification, a value for regression), with the
/// encoding that gives the columns their names and categories.
///
/// A table is validated when created, so every table is well-formed: columns have one value
/// per row, no feature is infinite, categorical codes are known, labels are valid.
public struct Table: Sendable {
    /// Names, kinds and categorical encodings of the columns, and the label's kind.
    public let encoding: FeatureEncoding
    /// Column-major feature values: `columns[feature][row]`.
    public let columns: [[Float]]
    /// One label per row: a class code (0, 1, …) or a regression target.
    public let labels: [Float]

    /// Creates a table from column-major values.
    /// - Parameters:
    ///   - encoding: Column names and kinds; `columns.count` must equal its feature count.
    ///   - columns: One array per feature with one value per row; NaN means missing,
    ///     categorical values are codes.
    ///   - labels: One label per row.
    /// - Throws: `LearningError` `.shapeMismatch`, `.nonFiniteValue` (infinite feature),
    ///   `.unknownCategory` (code outside the encoding), or `.invalidLabel` (NaN, infinite,
    ///   or a class code outside the classes), naming the row and feature.
    public init(encoding: FeatureEncoding, columns: [[Float]], labels: [Float]) throws {
        guard columns.count == encoding.featureCount else {
            throw LearningError(
                .shapeMismatch,
                "the encoding has \(encoding.featureCount) features but \(columns.count) columns were given")
        }
        for (index, column) in columns.enumerated() {
            let feature = encoding.features[index]
            guard column.count == labels.count else {
                throw LearningError(
                    .shapeMismatch, "column has \(column.count) values but there are \(labels.count) labels",
                    field: feature.name)
            }
            let categoryCount = feature.categories?.count
            try column.withUnsafeBufferPointer { values in
                for row in values.indices {
                    let value = values[row]
                    if value.isNaN { continue }
                    if value.isInfinite {
                        throw LearningError(
                            .nonFiniteValue, "row \(row) has infinite value \(value)", line: row + 1,
                            column: index + 1, field: feature.name)
                    }
                    if let categoryCount,
                       value < 0 || value >= Float(categoryCount) || value != value.rounded() {
                        throw LearningError(
                            .unknownCategory,
                            "row \(row) has category code \(value), outside 0..<\(categoryCount)",
                            line: row + 1, column: index + 1, field: feature.name)
                    }
                }
            }
        }
        let classCount = encoding.classCount
        for (row, label) in labels.enumerated() {
            if !label.isFinite {
                throw LearningError(
                    .invalidLabel, "row \(row) has label \(label)", line: row + 1, field: encoding.labelName)
            }
            if case .classification = encoding.label,
               label < 0 || label >= Float(classCount) || label != label.rounded() {
                throw LearningError(
                    .invalidLabel, "row \(row) has class code \(label), outside 0..<\(classCount)",
                    line: row + 1, field: encoding.labelName)
            }
        }
        self.encoding = encoding
        self.columns = columns
        self.labels = labels
    }

    /// Creates a table from row-major values (`rowMajor[row * featureCount + feature]`).
    /// - Throws: As `init(encoding:columns:labels:)`, and `.shapeMismatch` when the value
    ///   count is not rows × features.
    public init(encoding: FeatureEncoding, rowMajor: [Float], labels: [Float]) throws {
        let width = encoding.featureCount
        guard rowMajor.count == labels.count * width else {
            throw LearningError(
                .shapeMismatch,
                "\(rowMajor.count) values are not \(labels.count) rows of \(width) features")
        }
        var columns = [[Float]](repeating: [], count: width)
        for feature in 0..<width {
            columns[feature] = [Float](unsafeUninitializedCapacity: labels.count) { buffer, count in
                for row in 0..<labels.count { buffer[row] = rowMajor[row * width + feature] }
                count = labels.count
            }
        }
        try self.init(encoding: encoding, columns: columns, labels: labels)
    }

    /// Internal initializer for data already known to be valid (subsets of valid tables).
    init(validated encoding: FeatureEncoding, columns: [[Float]], labels: [Float]) {
        self.encoding = encoding
        self.columns = columns
        self.labels = labels
    }

    /// The number of rows.
    public var rowCount: Int { labels.count }
    /// The number of features.
    public var featureCount: Int { columns.count }

    /// The features of one row, in model input order.
    public func features(ofRow row: Int) -> [Float] {
        columns.map { $0[row] }
    }

    /// All features row-major (`result[row * featureCount + feature]`), the layout the batch
    /// prediction APIs take.
    public func rowMajorFeatures() -> [Float] {
        let width = featureCount
        let rows = rowCount
        return [Float](unsafeUninitializedCapacity: rows * width) { buffer, count in
            for (feature, column) in columns.enumerated() {
                column.withUnsafeBufferPointer { values in
                    for row in 0..<rows { buffer[row * width + feature] = values[row] }
                }
            }
            count = rows * width
        }
    }

    /// The class codes of the rows as Ints (classification tables).
    public var classLabels: [Int] { labels.map { Int($0) } }

    /// A table of the given rows, in the given order.
    /// - Parameter rows: Row indices, each in `0..<rowCount`; repeats allowed.
    public func selecting(rows: [Int]) -> Table {
        let selected = columns.map { column in rows.map { column[$0] } }
        return Table(validated: encoding, columns: selected, labels: rows.map { labels[$0] })
    }
}
