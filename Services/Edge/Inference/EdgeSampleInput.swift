public import LifelongProto

/// One sample to predict, as every front end (EdgeInference, the Open Inference Protocol)
/// hands it to ``EdgeInferenceEngine``.
public struct EdgeSampleInput: Sendable {
    /// Client key, echoed back; with the node's name, the idempotency key of an upload.
    public var key: String
    /// Feature values in schema order (NaN = missing).
    public var features: [Double]
    /// Attribute values by name.
    public var attributes: [Lifelong_V1_AttributeValue]

    /// Creates an input.
    public init(key: String = "", features: [Double], attributes: [Lifelong_V1_AttributeValue] = []) {
        self.key = key
        self.features = features
        self.attributes = attributes
    }

    /// The input of an EdgeInference request.
    public init(_ input: Lifelong_V1_InferenceInput) {
        self.init(key: input.key, features: input.features, attributes: input.attributes)
    }
}
