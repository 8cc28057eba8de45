import ContentDigest
import LifelongProto

/// What the publication asks task mining for a snapshot: DiscoverRelations over the job's
/// training samples and BuildDetectors over its EVAL samples, both up to the round's newest
/// sample (`through`), on the snapshot's tasks, allocator and schema.
///
/// The tasks go without their times (task mining reads none of them), so two snapshots whose
/// mining inputs are the same make byte-identical requests, named by ``key``: what the
/// publication finds stored under it was measured on exactly its own inputs
/// (``MiningPrefetch``).
struct MiningRequests: Sendable {
    var relations: Lifelong_V1_DiscoverRelationsRequest
    var detectors: Lifelong_V1_BuildDetectorsRequest
    /// SHA-256 (hex) of both requests serialized.
    let key: String

    /// - Parameters:
    ///   - snapshot: The merged snapshot about to be published.
    ///   - through: The newest sample sequence of the round (0: no bound).
    ///   - targetFalsePositiveRate: The detectors' target, in (0, 1).
    init(snapshot: Lifelong_V1_TaskIndexSnapshot, through: Int64, targetFalsePositiveRate: Double) throws {
        var tasks = snapshot.tasks
        for index in tasks.indices {
            tasks[index].createdAtUs = 0
            tasks[index].updatedAtUs = 0
        }
        var relations = Lifelong_V1_DiscoverRelationsRequest()
        relations.source = Self.source(job: snapshot.jobId, kinds: [], through: through)
        relations.tasks = tasks
        relations.allocator = snapshot.allocator ?? Lifelong_V1_TaskAllocator()
        relations.schema = snapshot.schema ?? Lifelong_V1_FeatureSchema()
        var detectors = Lifelong_V1_BuildDetectorsRequest()
        detectors.source = Self.source(job: snapshot.jobId, kinds: [.eval], through: through)
        detectors.tasks = tasks
        detectors.allocator = relations.allocator
        detectors.schema = relations.schema
        detectors.targetFalsePositiveRate = targetFalsePositiveRate
        let digest = SHA256Digest()
        digest.update(try relations.serializedBytes())
        digest.update(try detectors.serializedBytes())
        self.relations = relations
        self.detectors = detectors
        key = digest.finalizeHex()
    }

    /// The detectors' request calibrated on the training samples instead (a job without EVAL samples).
    var detectorsOnTrainingSamples: Lifelong_V1_BuildDetectorsRequest {
        var request = detectors
        request.source?.kinds = []
        return request
    }

    private static func source(job: String, kinds: [Lifelong_V1_SampleKind], through: Int64) -> Lifelong_V1_SampleSource {
        var source = Lifelong_V1_SampleSource()
        source.jobId = job
        source.kinds = kinds
        source.toSequence = through
        return source
    }
}
