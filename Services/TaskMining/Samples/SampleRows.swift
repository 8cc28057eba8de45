import LifelongCore
import LifelongLearning
import LifelongProto

/// Turns samples into rows of a schema, naming the sample and field at fault: a feature count
/// that is not the schema's, a value that is infinite or not a category code, a label outside
/// the classes (or missing where labels are needed).
enum SampleRows {
    /// One sample's features as model input.
    /// - Parameters:
    ///   - sample: The sample.
    ///   - encoding: The columns its values must fit.
    ///   - name: How errors name the sample.
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming `<name>.features`.
    static func features(of sample: Lifelong_V1_Sample, encoding: FeatureEncoding, name: String) throws -> [Float] {
        try features(of: sample, width: encoding.featureCount, name: name) { column, value in
            guard let categories = encoding.features[column].categories, !value.isNaN else { return nil }
            return value >= 0 && value < Float(categories.count) && value == value.rounded()
                ? nil : "is \(value), not a code of the \(categories.count) categories of column '\(encoding.features[column].name)'"
        }
    }

    /// One sample's features, checked for count and finiteness only (an allocator knows no
    /// column kinds).
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming `<name>.features`.
    static func features(
        of sample: Lifelong_V1_Sample, width: Int, name: String,
        check: (Int, Float) -> String? = { _, _ in nil }
    ) throws -> [Float] {
        guard sample.features.count == width else {
            throw TaskMiningError.invalid(
                "\(name).features", "has \(sample.features.count) values; the schema has \(width) feature columns")
        }
        var row = [Float](repeating: .nan, count: width)
        for (column, value) in sample.features.enumerated() {
            let narrowed = Float(value)
            if narrowed.isInfinite || (value.isInfinite) {
                throw TaskMiningError.invalid("\(name).features[\(column)]", "is \(value), not a finite number")
            }
            if let problem = check(column, narrowed) { throw TaskMiningError.invalid("\(name).features[\(column)]", problem) }
            row[column] = narrowed
        }
        return row
    }

    /// One sample's attribute values in `names` order; a missing or empty value is
    /// `LabelledSet.emptyAttributeValue`, as in the lifelong core's CSV reading. Attributes
    /// the names do not list are ignored.
    static func attributes(of sample: Lifelong_V1_Sample, names: [String]) -> [String] {
        var values: [String: String] = [:]
        for attribute in sample.attributes where values[attribute.name] == nil { values[attribute.name] = attribute.value }
        return names.map { name in
            guard let value = values[name], !value.isEmpty else { return LabelledSet.emptyAttributeValue }
            return value
        }
    }

    /// The samples as labelled rows.
    /// - Parameters:
    ///   - mined: The samples.
    ///   - encoding: The schema's columns and classes.
    ///   - attributeNames: The schema's attribute columns.
    ///   - requireLabels: Whether every sample must carry a label; when not, an unlabelled
    ///     sample gets class 0, which nothing reads (task definition and detection look at
    ///     features and attributes only).
    /// - Throws: ``TaskMiningError`` INVALID_ARGUMENT naming the sample and field.
    static func labelledSet(
        _ mined: MinedSamples, encoding: FeatureEncoding, attributeNames: [String], requireLabels: Bool
    ) throws -> LabelledSet {
        var columns = [[Float]](repeating: [], count: encoding.featureCount)
        var labels: [Float] = []
        var attributes: [[String]] = []
        for (index, sample) in mined.samples.enumerated() {
            let name = mined.name(index)
            let row = try features(of: sample, encoding: encoding, name: name)
            for column in row.indices { columns[column].append(row[column]) }
            labels.append(try label(of: sample, classCount: encoding.classCount, name: name, required: requireLabels))
            attributes.append(Self.attributes(of: sample, names: attributeNames))
        }
        let table = try Table(encoding: encoding, columns: columns, labels: labels)
        return try LabelledSet(table: table, attributeNames: attributeNames, attributes: attributes)
    }

    private static func label(of sample: Lifelong_V1_Sample, classCount: Int, name: String, required: Bool) throws -> Float {
        guard let label = sample.label, label.present else {
            if required { throw TaskMiningError.invalid("\(name).label", "is missing; this call needs labelled samples") }
            return 0
        }
        guard label.classIndex >= 0, Int(label.classIndex) < classCount else {
            throw TaskMiningError.invalid("\(name).label.class_index", "is \(label.classIndex), outside the \(classCount) classes")
        }
        return Float(label.classIndex)
    }
}
