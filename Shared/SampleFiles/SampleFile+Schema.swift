import LifelongCore
import LifelongLearning
public import LifelongProto

extension SampleFile {
    /// Infers a job's feature schema from a labelled file.
    ///
    /// The features are every column except the label, the attributes and `key`, in file
    /// order: numeric when every non-empty value reads as a number, otherwise categorical over
    /// its values, sorted. The classes are the label's values, sorted (numerically when all are
    /// numbers). Rows without a label do not contribute classes.
    /// - Parameters:
    ///   - label: The label column.
    ///   - attributes: The columns that define tasks, in task-key order (not features).
    /// - Returns: The schema, with `attributeNames` = `attributes`.
    /// - Throws: ``SampleFileError`` `.missingColumn` for an unknown label or attribute,
    ///   `.invalidValue` for an infinite number, `.invalidSchema` with fewer than two classes or
    ///   no feature column.
    public func inferSchema(label: String, attributes: [String]) throws -> Lifelong_V1_FeatureSchema {
        _ = try position(of: label, role: "label")
        for attribute in attributes { _ = try position(of: attribute, role: "attribute") }
        if attributes.contains(label) {
            throw SampleFileError(.invalidSchema, "\(name): '\(label)' cannot be both the label and an attribute", column: label)
        }
        var options = CSVReader.Options()
        options.labelColumn = label
        options.labelChoice = .classification
        options.missingLabel = .skipRow
        options.ignoredColumns = Set(attributes + [SampleKey.column])
        let table: Table
        do {
            table = try CSVReader(options: options).readOutcome(bytes: bytes).table
        } catch let error as LearningError {
            throw SampleFileError(.invalidValue, "\(name): \(error.message)", line: error.line, column: error.field, cause: error)
        }
        let schema = table.encoding.schema(attributeNames: attributes)
        guard !schema.columns.isEmpty else {
            throw SampleFileError(.invalidSchema, "\(name): no feature column is left besides the label, attributes and key")
        }
        guard schema.classes.count >= 2 else {
            throw SampleFileError(
                .invalidSchema, "\(name): the label '\(label)' has \(schema.classes.count) class(es); a job needs at least two",
                column: label)
        }
        return schema
    }
}
