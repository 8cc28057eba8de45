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

extension LabelledSet {
    /// A sample's attribute values in `attributeNames` order, `emptyAttributeValue` where the
    /// sample has none: the values that name its attribute task.
    public static func attributeValues(of sample: Lifelong_V1_Sample, attributeNames: [String]) -> [String] {
        attributeNames.map { name in
            let value = sample.attributes.first { $0.name == name }?.value ?? ""
            return value.isEmpty ? emptyAttributeValue : value
        }
    }

    /// Whether a sample without an eval kind is held out for evaluation: FNV-1a of its key
    /// against `trainFraction` — stable, so every service and every round split alike.
    public static func isHeldOut(key: String, trainFraction: Double) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return Double(hash % 10_000) >= trainFraction * 10_000
    }
}
