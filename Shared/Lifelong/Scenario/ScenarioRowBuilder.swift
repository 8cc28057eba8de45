import LifelongLearning

/// Accumulates generated rows into a `LabelledSet`.
struct ScenarioRowBuilder {
    /// One generated row: model features, attribute values, class code.
    typealias Sample = (features: [Float], attributes: [String], label: Int)

    let attributeNames: [String]
    var rows: [Float] = []
    var labels: [Float] = []
    var attributes: [[String]] = []

    init(attributeNames: [String]) {
        self.attributeNames = attributeNames
    }

    mutating func add(_ sample: Sample) {
        rows.append(contentsOf: sample.features)
        labels.append(Float(sample.label))
        attributes.append(sample.attributes)
    }

    func build(encoding: FeatureEncoding) throws -> LabelledSet {
        let table = try LifelongError.wrapping("scenario table") {
            try Table(encoding: encoding, rowMajor: rows, labels: labels)
        }
        return try LabelledSet(table: table, attributeNames: attributeNames, attributes: attributes)
    }
}
