public import LifelongProto

extension LabelledSet {
    /// The rows as the contract's samples of a job: features, attribute values and the label
    /// (class index), each with the key `keyPrefix` + the row number — what `AddSamples` stores and
    /// what training reads back.
    /// - Parameters:
    ///   - job: The job the samples belong to.
    ///   - kind: TRAIN, EVAL, …
    ///   - keyPrefix: The keys' prefix; keys must be unique within the job.
    public func samples(job: String, kind: Lifelong_V1_SampleKind, keyPrefix: String) -> [Lifelong_V1_Sample] {
        (0..<rowCount).map { row in
            var sample = Lifelong_V1_Sample()
            sample.key = "\(keyPrefix)\(row)"
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
