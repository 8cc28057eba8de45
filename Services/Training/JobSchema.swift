import LifelongCore
import LifelongLearning
import LifelongProto

/// A job's feature schema as the learner reads it: the encoding (features and classes) and
/// the attribute columns that define tasks (none when tasks are clusters: the learner then
/// reads no attributes, and the schema's are dropped).
struct JobSchema: Sendable {
    var encoding: FeatureEncoding
    var attributeNames: [String]
    var message: Lifelong_V1_FeatureSchema

    /// Checks a schema message.
    /// - Parameters:
    ///   - field: The message's field, for errors (`spec.schema`).
    ///   - attributeTasks: Whether tasks are attribute values (then attribute columns are
    ///     required); false: clusters, and the attribute columns are dropped.
    /// - Throws: ``TrainingError`` INVALID_ARGUMENT naming the field.
    init(_ schema: Lifelong_V1_FeatureSchema, field: String, attributeTasks: Bool = true) throws {
        guard !schema.columns.isEmpty else { throw TrainingError.invalid("\(field).columns", "needs at least one feature") }
        var features: [FeatureColumn] = []
        for (index, column) in schema.columns.enumerated() {
            let name = "\(field).columns[\(index)]"
            guard !column.name.isEmpty else { throw TrainingError.invalid("\(name).name", "must not be empty") }
            switch column.kind {
            case .numeric:
                features.append(FeatureColumn(name: column.name, kind: .numeric))
            case .categorical:
                do {
                    features.append(FeatureColumn(name: column.name, kind: .categorical(try CategoricalEncoding(categories: column.categories))))
                } catch {
                    throw TrainingError.invalid("\(name).categories", "\(error)")
                }
            default:
                throw TrainingError.invalid("\(name).kind", "must be numeric or categorical")
            }
        }
        guard schema.classes.count >= 2 else {
            throw TrainingError.invalid("\(field).classes", "a classification label needs at least two classes")
        }
        let classes: CategoricalEncoding
        do {
            classes = try CategoricalEncoding(categories: schema.classes)
        } catch {
            throw TrainingError.invalid("\(field).classes", "\(error)")
        }
        guard !attributeTasks || !schema.attributeNames.isEmpty else {
            throw TrainingError.invalid("\(field).attribute_names", "attribute tasks need at least one attribute column")
        }
        encoding = FeatureEncoding(features: features, labelName: schema.labelName, label: .classification(classes: classes))
        attributeNames = attributeTasks ? schema.attributeNames : []
        var message = schema
        message.attributeNames = attributeNames
        self.message = message
    }
}
