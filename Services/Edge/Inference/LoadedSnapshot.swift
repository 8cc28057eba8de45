public import LifelongCore
public import LifelongProto

/// A snapshot ready to serve: the task index laid out for prediction with its models decoded
/// once, and what requests are checked against. Immutable: a request holds the one it started
/// with to the end.
///
/// Only the prediction form is kept (`TaskIndexPredictor`, which holds each model's compiled
/// trees but not the trees or their bytes): the decoded `TaskIndex` is released once the
/// predictor is built (`SnapshotInstaller` then hands the freed pages back to the system).
public final class LoadedSnapshot: Sendable {
    /// The snapshot's version.
    public let version: Int64
    /// The job it belongs to.
    public let jobId: String
    /// The task index, laid out for prediction: every prediction goes through it.
    public let predictor: TaskIndexPredictor
    /// The snapshot message (schema, tasks, model references).
    public let message: Lifelong_V1_TaskIndexSnapshot
    /// Position of each attribute name in `index.attributeNames`.
    let attributePositions: [String: Int]

    /// Decodes the index and its models.
    /// - Parameters:
    ///   - message: The snapshot.
    ///   - models: Model bytes by SHA-256.
    /// - Throws: `LifelongError` when the snapshot or a model is missing, corrupt or inconsistent.
    public init(message: Lifelong_V1_TaskIndexSnapshot, models: [String: [UInt8]]) throws {
        predictor = try TaskIndex(snapshot: message, models: models, predictionForm: true).predictor()
        self.message = message
        version = message.version
        jobId = message.jobId
        attributePositions = Dictionary(predictor.attributeNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Digests of every model the snapshot references.
    public var modelDigests: Set<String> { predictor.modelDigests }
}
