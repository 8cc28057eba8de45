public import LifelongCore
public import LifelongProto

extension LabelledSet {
    /// The rows as KB samples of a job: features, attribute values by name, class labels;
    /// keys `<keyPrefix>-<row>` (stable, so storing them again adds nothing).
    /// - Parameters:
    ///   - job: The job.
    ///   - kind: TRAIN, EVAL, ….
    ///   - keyPrefix: The start of every key.
    public func samples(job: String, kind: Lifelong_V1_SampleKind, keyPrefix: String) -> [Lifelong_V1_Sample] {
        (0..<rowCount).map { row in
            var sample = Lifelong_V1_Sample()
            sample.key = "\(keyPrefix)-\(row)"
            sample.jobId = job
            sample.kind = kind
            sample.features = table.features(ofRow: row).map(Double.init)
            sample.attributes = zip(attributeNames, attributes[row]).map { name, value in
                var attribute = Lifelong_V1_AttributeValue()
                attribute.name = name
                attribute.value = value
                return attribute
            }
            var label = Lifelong_V1_Label()
            label.present = true
            label.classIndex = Int32(table.labels[row])
            sample.label = label
            return sample
        }
    }
}
