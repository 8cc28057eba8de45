public import LifelongLearning

/// Labelled rows split into model features and task attributes.
///
/// The attribute columns (site, season, …) define tasks and are not model inputs (as in
/// Sedna, but configurable: a column may be both by listing it in `keepAsFeatures` when the
/// set is made from a table). Every task model and the global model read the same
/// `table.encoding`, so a row can be scored by any of them.
public struct LabelledSet: Sendable {
    /// Features and labels.
    public let table: Table
    /// Names of the attribute columns, in the order of `attributes[row]`.
    public let attributeNames: [String]
    /// Attribute values per row (empty arrays when there are no attribute columns).
    public let attributes: [[String]]

    /// Creates a set from a feature table and per-row attribute values.
    /// - Throws: `LifelongError.featureCountMismatch` when a row has the wrong number of
    ///   attribute values or the row counts differ.
    public init(table: Table, attributeNames: [String], attributes: [[String]]) throws {
        let rows = attributes.isEmpty && attributeNames.isEmpty ? [[String]](repeating: [], count: table.rowCount) : attributes
        guard rows.count == table.rowCount else {
            throw LifelongError(
                .featureCountMismatch, "\(rows.count) attribute rows for \(table.rowCount) table rows", field: "attributes")
        }
        for (index, values) in rows.enumerated() where values.count != attributeNames.count {
            throw LifelongError(
                .featureCountMismatch,
                "row \(index) has \(values.count) attribute values, expected \(attributeNames.count)", field: "attributes")
        }
        self.table = table
        self.attributeNames = attributeNames
        self.attributes = rows
    }

    /// The task value of an attribute that is missing in a row (empty, or one of the CSV
    /// reader's missing markers such as `NA`): "(empty)", a value of its own, so such rows form
    /// their own task(s) instead of failing or joining another task.
    public static let emptyAttributeValue = "(empty)"

    /// Splits a table read from CSV: the named attribute columns (categorical or numeric)
    /// leave the features and become attribute strings (`emptyAttributeValue` where missing).
    /// - Parameters:
    ///   - table: A table whose features include the attribute columns.
    ///   - attributeNames: The attribute columns, in task-key order.
    ///   - keepAsFeatures: Attribute columns that also stay model features.
    /// - Throws: `LifelongError.missingColumn` naming an attribute the table lacks.
    public init(splitting table: Table, attributeNames: [String], keepAsFeatures: Set<String> = []) throws {
        let names = table.encoding.features.map(\.name)
        var attributeColumns: [Int] = []
        for name in attributeNames {
            guard let index = names.firstIndex(of: name) else {
                throw LifelongError(.missingColumn, "the data has no attribute column '\(name)'", field: name)
            }
            attributeColumns.append(index)
        }
        let dropped = Set(attributeColumns.filter { !keepAsFeatures.contains(names[$0]) })
        let kept = table.encoding.features.indices.filter { !dropped.contains($0) }
        guard !kept.isEmpty else {
            throw LifelongError(.missingColumn, "no feature columns remain once the attributes are removed")
        }
        var values = [[String]](repeating: [], count: table.rowCount)
        for column in attributeColumns {
            let feature = table.encoding.features[column]
            for row in 0..<table.rowCount {
                let code = table.columns[column][row]
                let text: String
                if code.isNaN {
                    text = Self.emptyAttributeValue
                } else if let categories = feature.categories {
                    text = categories.categories[Int(code)]
                } else {
                    text = code == code.rounded() && abs(code) < 1e9 ? String(Int(code)) : String(code)
                }
                values[row].append(text)
            }
        }
        var encoding = table.encoding
        encoding.features = kept.map { table.encoding.features[$0] }
        let features = try LifelongError.wrapping("building the feature table") {
            try Table(encoding: encoding, columns: kept.map { table.columns[$0] }, labels: table.labels)
        }
        try self.init(table: features, attributeNames: attributeNames, attributes: values)
    }

    /// The number of rows.
    public var rowCount: Int { table.rowCount }

    /// The task key of a row under attribute-defined tasks: the values joined with "_".
    public func attributeKey(ofRow row: Int) -> String { Self.key(attributes[row]) }

    /// The task key of attribute values: the values joined with "_" (Sedna's naming).
    public static func key(_ values: [String]) -> String { values.joined(separator: "_") }

    /// The given rows, in order.
    public func selecting(rows: [Int]) -> LabelledSet {
        // Subsets of a valid set are valid.
        LabelledSet(
            validated: table.selecting(rows: rows), attributeNames: attributeNames,
            attributes: rows.map { attributes[$0] })
    }

    /// This set followed by `other`'s rows.
    /// - Throws: `LifelongError.schemaMismatch` when the encodings or attribute names differ.
    public func appending(_ other: LabelledSet) throws -> LabelledSet {
        guard other.table.encoding == table.encoding, other.attributeNames == attributeNames else {
            throw LifelongError(.schemaMismatch, "cannot append rows with another schema or other attribute columns")
        }
        let columns = zip(table.columns, other.table.columns).map { $0 + $1 }
        return LabelledSet(
            validated: Table(
                unchecked: table.encoding, columns: columns, labels: table.labels + other.table.labels),
            attributeNames: attributeNames, attributes: attributes + other.attributes)
    }

    init(validated table: Table, attributeNames: [String], attributes: [[String]]) {
        self.table = table
        self.attributeNames = attributeNames
        self.attributes = attributes
    }
}

extension Table {
    /// A table from parts already known to be valid (concatenations of valid tables).
    init(unchecked encoding: FeatureEncoding, columns: [[Float]], labels: [Float]) {
        // Valid by construction; `try!` would hide a logic error, so fall back to a checked build.
        do {
            self = try Table(encoding: encoding, columns: columns, labels: labels)
        } catch {
            preconditionFailure("concatenating valid tables produced an invalid one: \(error)")
        }
    }

    /// The rows whose class label is `label`, counted per class.
    func classCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: Swift.max(encoding.classCount, 1))
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}
