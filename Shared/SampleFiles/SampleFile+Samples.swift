import LifelongCore
import LifelongLearning
public import LifelongProto

extension SampleFile {
    /// The rows as samples of a job.
    ///
    /// Features follow the schema's column order (numbers as read, categories as their index,
    /// missing values as NaN); attributes are the schema's attribute columns (a missing value is
    /// `"(empty)"`, as in experiments); the label, when the file has the label column and the
    /// row a value, is the value's index in `schema.classes`, otherwise `present` is false.
    /// Keys follow ``SampleKey``.
    /// - Parameters:
    ///   - schema: The job's schema; every feature and attribute column must be in the file.
    ///   - jobID: The job the samples belong to.
    ///   - kind: TRAIN, EVAL, or UNSPECIFIED for samples to infer.
    ///   - unknownCategoriesAsMissing: Encode a category the schema does not know as missing
    ///     (NaN) instead of failing, for inference on data from new sites.
    /// - Returns: One sample per data row, in file order.
    /// - Throws: ``SampleFileError`` `.missingColumn`, `.invalidValue` (naming line and column:
    ///   a non-number in a numeric column, an unknown category or class), `.invalidSchema`.
    public func samples(
        schema: Lifelong_V1_FeatureSchema, jobID: String, kind: Lifelong_V1_SampleKind, unknownCategoriesAsMissing: Bool = false
    ) throws -> [Lifelong_V1_Sample] {
        let encoding: FeatureEncoding
        do {
            encoding = try FeatureEncoding(schema: schema)
        } catch {
            throw SampleFileError(.invalidSchema, "the job's schema cannot be used: \(error)", cause: error)
        }
        let featurePositions = try schema.columns.map { try position(of: $0.name, role: "feature") }
        let attributePositions = try schema.attributeNames.map { try position(of: $0, role: "attribute") }
        let labels = try labelIndices(schema: schema, required: false)
        let policy: UnknownCategoryPolicy = unknownCategoriesAsMissing ? .treatAsMissing : .reject
        var samples: [Lifelong_V1_Sample] = []
        samples.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let fields = values[row]
            var sample = Lifelong_V1_Sample()
            sample.key = key(ofRow: row)
            sample.jobId = jobID
            sample.kind = kind
            do {
                sample.features = try encoding.encodeRow(featurePositions.map { fields[$0] }, unknownCategory: policy).map(Double.init)
            } catch let error as LearningError {
                let column = error.field ?? ""
                throw SampleFileError(.invalidValue, "\(name): \(error.message)", line: lines[row], column: column, cause: error)
            }
            sample.attributes = zip(schema.attributeNames, attributePositions).map { name, position in
                var attribute = Lifelong_V1_AttributeValue()
                attribute.name = name
                attribute.value = fields[position] ?? LabelledSet.emptyAttributeValue
                return attribute
            }
            if let index = labels?[row] {
                var label = Lifelong_V1_Label()
                label.present = true
                label.classIndex = Int32(index)
                sample.label = label
            }
            samples.append(sample)
        }
        return samples
    }

    /// Each row's class index in `schema.classes` (nil where the label is missing), or nil when
    /// the file has no label column and `required` is false.
    /// - Throws: ``SampleFileError`` `.missingColumn` (when required), `.invalidValue` for a
    ///   label that is not one of the classes.
    func labelIndices(schema: Lifelong_V1_FeatureSchema, required: Bool) throws -> [Int?]? {
        guard hasColumn(schema.labelName) || required else { return nil }
        let position = try position(of: schema.labelName, role: "label")
        let classes = Dictionary(schema.classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return try (0..<rowCount).map { row in
            guard let value = values[row][position] else { return nil }
            guard let index = classes[value] else {
                throw SampleFileError(
                    .invalidValue, "\(name): label '\(value)' is not one of the job's classes \(schema.classes)",
                    line: lines[row], column: schema.labelName)
            }
            return index
        }
    }
}
