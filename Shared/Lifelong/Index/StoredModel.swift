import ContentDigest
public import LifelongLearning

/// A trained model with its serialized bytes and content address (lowercase hex SHA-256 of
/// the bytes). The bytes are what the knowledge base stores; a model kept across an update is
/// the same value, so its bytes and digest stay identical.
public struct StoredModel: Sendable {
    /// Lowercase hex SHA-256 of `bytes`.
    public let digest: String
    /// The `lifelong.v1.TrainedModel` encoding.
    public let bytes: [UInt8]
    /// The decoded model.
    public let model: TrainedModel

    /// Serializes a freshly trained model.
    /// - Throws: `LifelongError.learning` when the model cannot be encoded.
    public init(_ model: TrainedModel) throws {
        let bytes = try LifelongError.wrapping("encoding a model") { try model.serializedBytes() }
        self.bytes = bytes
        self.model = model
        digest = SHA256Digest.hex(of: bytes)
    }

    /// Decodes stored bytes.
    /// - Parameters:
    ///   - expectedDigest: When given, the bytes must hash to it.
    ///   - predictionForm: Decode into the prediction form (`TrainedModel.init(predictionFormOf:)`):
    ///     for a process that only serves; such a model cannot be re-encoded or boosted further.
    /// - Throws: `LifelongError.corruptIndex` for a digest mismatch, `.learning` for bytes that
    ///   are not a valid model.
    public init(bytes: [UInt8], expectedDigest: String? = nil, predictionForm: Bool = false) throws {
        let digest = SHA256Digest.hex(of: bytes)
        if let expectedDigest, expectedDigest != digest {
            throw LifelongError(.corruptIndex, "model bytes hash to \(digest), the index says \(expectedDigest)", field: "sha256")
        }
        model = try LifelongError.wrapping("decoding model \(digest)") {
            try predictionForm ? TrainedModel(predictionFormOf: bytes) : TrainedModel(serializedBytes: bytes)
        }
        self.bytes = bytes
        self.digest = digest
    }

    /// Class probabilities of many rows, row-major.
    func probabilities(table: Table) throws -> [Float] {
        try LifelongError.wrapping("predicting with model \(digest.prefix(12))") { try model.model.predict(table: table) }
    }
}
