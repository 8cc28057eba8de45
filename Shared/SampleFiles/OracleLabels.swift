public import Foundation
public import LifelongProto

/// The labels of a labelled CSV file by sample key: the labelling oracle of demos and tests
/// (the gateway's `--oracle-file`, `lifelong label --oracle`). Keys follow ``SampleKey``, so a
/// sample ingested or inferred from a file with the same name and rows finds its label.
public struct OracleLabels: Sendable {
    /// Label by sample key (rows without a label are left out).
    public let labels: [String: Lifelong_V1_Label]

    /// Loads a labelled file.
    /// - Parameters:
    ///   - url: The CSV file.
    ///   - schema: The job's schema: its `labelName` is the label column, its `classes` give
    ///     the class indices.
    /// - Throws: ``SampleFileError``: unreadable file or CSV, `.missingColumn` when the file has
    ///   no label column, `.invalidValue` for a label outside the classes or a key given twice.
    public init(contentsOf url: URL, schema: Lifelong_V1_FeatureSchema) throws {
        try self.init(file: try SampleFile(contentsOf: url), schema: schema)
    }

    /// Takes the labels of a file already read.
    /// - Throws: As `init(contentsOf:schema:)`.
    public init(file: SampleFile, schema: Lifelong_V1_FeatureSchema) throws {
        let indices = try file.labelIndices(schema: schema, required: true) ?? []
        var labels: [String: Lifelong_V1_Label] = [:]
        var lineOfKey: [String: Int] = [:]
        for (row, index) in indices.enumerated() {
            let key = file.key(ofRow: row)
            if let first = lineOfKey.updateValue(file.lines[row], forKey: key) {
                throw SampleFileError(
                    .invalidValue, "\(file.name): key '\(key)' appears twice (lines \(first) and \(file.lines[row]))",
                    line: file.lines[row], column: SampleKey.column)
            }
            guard let index else { continue }
            var label = Lifelong_V1_Label()
            label.present = true
            label.classIndex = Int32(index)
            labels[key] = label
        }
        self.labels = labels
    }

    /// The number of labelled keys.
    public var count: Int { labels.count }

    /// The label of a sample.
    /// - Parameter key: The key the sample is stored under: the file's key, or an edge's
    ///   `<node>/<key>` (see ``SampleKey/clientKey(ofStored:)``).
    /// - Returns: The label, or nil when the file has none for that key.
    public func label(forKey key: String) -> Lifelong_V1_Label? {
        labels[key] ?? labels[SampleKey.clientKey(ofStored: key)]
    }
}
