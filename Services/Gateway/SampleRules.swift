import LifelongCore
import LifelongProto
import RPCCore

/// What the gateway checks in samples before they reach the knowledge base, and the task an
/// attribute job's sample belongs to.
enum SampleRules {
    static let maximumKeyBytes = 256

    static func checkKey(_ key: String, field: String) throws {
        guard !key.isEmpty, key.utf8.count <= maximumKeyBytes else {
            throw JobSpecRules.invalid(field, "must be 1 to \(maximumKeyBytes) bytes")
        }
    }

    /// One value per schema column, finite or NaN (missing).
    static func checkFeatures(_ sample: Lifelong_V1_Sample, schema: Lifelong_V1_FeatureSchema, field: String) throws {
        guard sample.features.count == schema.columns.count else {
            throw JobSpecRules.invalid(
                "\(field).features", "\(sample.features.count) values; the job's schema has \(schema.columns.count) columns")
        }
        if let index = sample.features.firstIndex(where: { $0.isInfinite }) {
            throw JobSpecRules.invalid("\(field).features[\(index)]", "must be finite (NaN marks a missing value)")
        }
    }

    /// Features as above and a present label naming one of the job's classes.
    static func checkLabelled(_ sample: Lifelong_V1_Sample, schema: Lifelong_V1_FeatureSchema, field: String) throws {
        try checkFeatures(sample, schema: schema, field: field)
        try checkLabel(sample.label, schema: schema, field: "\(field).label")
    }

    /// A present label naming one of the job's classes.
    static func checkLabel(_ label: Lifelong_V1_Label?, schema: Lifelong_V1_FeatureSchema, field: String) throws {
        guard let label, label.present, label.classIndex >= 0, Int(label.classIndex) < schema.classes.count else {
            throw JobSpecRules.invalid(field, "needs a present class index in [0, \(schema.classes.count)) (the job's classes)")
        }
    }

    /// The attribute task a sample belongs to (as training names it); nil for clustering jobs,
    /// whose tasks only the deployed plan knows.
    static func task(of sample: Lifelong_V1_Sample, job: Lifelong_V1_Job) -> String? {
        guard job.jobSpec.taskDefinition != .clustering, let names = job.jobSpec.schema?.attributeNames, !names.isEmpty else { return nil }
        return LabelledSet.key(LabelledSet.attributeValues(of: sample, attributeNames: names))
    }
}

