import LifelongCore
import LifelongLearning
import LifelongProto

/// A request's feature schema, checked field by field so that an error names the field
/// (`schema.columns[2].kind`), then decoded by the lifelong core's schema conversion.
struct MiningSchema: Sendable {
    /// Feature columns and classes.
    let encoding: FeatureEncoding
    /// The attribute columns that define tasks.
    let attributeNames: [String]

    /// Checks and decodes a schema.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the field: a missing schema, no
    ///   feature column, a column without a name or kind or with a repeated name, fewer than
    ///   two classes, an empty or repeated attribute name.
    init(_ schema: Lifelong_V1_FeatureSchema?) throws {
        guard let schema else { throw TaskMiningError.invalid("schema", "is missing") }
        guard !schema.columns.isEmpty else {
            throw TaskMiningError.invalid("schema.columns", "is empty: the schema needs at least one feature column")
        }
        var names = Set<String>()
        for (index, column) in schema.columns.enumerated() {
            guard !column.name.isEmpty else { throw TaskMiningError.invalid("schema.columns[\(index)].name", "is empty") }
            guard names.insert(column.name).inserted else {
                throw TaskMiningError.invalid("schema.columns[\(index)].name", "'\(column.name)' is given twice")
            }
            guard column.kind == .numeric || column.kind == .categorical else {
                throw TaskMiningError.invalid("schema.columns[\(index)].kind", "must be NUMERIC or CATEGORICAL")
            }
        }
        guard schema.classes.count >= 2 else {
            throw TaskMiningError.invalid("schema.classes", "needs at least two classes, got \(schema.classes.count)")
        }
        var attributes = Set<String>()
        for (index, name) in schema.attributeNames.enumerated() {
            guard !name.isEmpty, attributes.insert(name).inserted else {
                throw TaskMiningError.invalid("schema.attribute_names[\(index)]", "'\(name)' is empty or given twice")
            }
        }
        do {
            encoding = try FeatureEncoding(schema: schema)
        } catch let error as LifelongError {
            throw TaskMiningError.invalid(error.field ?? "schema", error.message, cause: error)
        }
        attributeNames = schema.attributeNames
    }
}
