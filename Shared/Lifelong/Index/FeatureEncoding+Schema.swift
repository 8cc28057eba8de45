public import LifelongLearning
public import LifelongProto

// A feature encoding as `lifelong.v1.FeatureSchema` (Proto/lifelong/v1/common.proto) and back:
// the schema of a task index snapshot, and of every request that carries samples.

extension FeatureEncoding {
    /// The encoding as a schema message.
    /// - Parameter attributeNames: The attribute columns that define tasks (not features).
    /// - Returns: Columns in feature order, the label's name and classes, the attribute names.
    public func schema(attributeNames: [String]) -> Lifelong_V1_FeatureSchema {
        var schema = Lifelong_V1_FeatureSchema()
        schema.columns = features.map { feature in
            var column = Lifelong_V1_FeatureColumn()
            column.name = feature.name
            if let categories = feature.categories {
                column.kind = .categorical
                column.categories = categories.categories
            } else {
                column.kind = .numeric
            }
            return column
        }
        schema.labelName = labelName
        schema.classes = classNames
        schema.attributeNames = attributeNames
        return schema
    }

    /// The encoding a schema message describes: a classification label over its classes.
    /// - Parameter schema: The schema.
    /// - Throws: `LifelongError.corruptIndex` naming the field: a column without a valid
    ///   kind (`schema.columns`), repeated categories or classes, no feature column or fewer
    ///   than two classes (`schema`).
    public init(schema: Lifelong_V1_FeatureSchema) throws {
        let features = try schema.columns.map { column -> FeatureColumn in
            switch column.kind {
            case .numeric: return FeatureColumn(name: column.name, kind: .numeric)
            case .categorical:
                let categories = try LifelongError.wrapping("column \(column.name)") { try CategoricalEncoding(categories: column.categories) }
                return FeatureColumn(name: column.name, kind: .categorical(categories))
            default:
                throw LifelongError(.corruptIndex, "column '\(column.name)' has no valid kind", field: "schema.columns")
            }
        }
        guard !features.isEmpty, schema.classes.count >= 2 else {
            throw LifelongError(.corruptIndex, "the schema needs features and at least two classes", field: "schema")
        }
        let classes = try LifelongError.wrapping("schema classes") { try CategoricalEncoding(categories: schema.classes) }
        self.init(features: features, labelName: schema.labelName, label: .classification(classes: classes))
    }
}
