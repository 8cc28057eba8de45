import Foundation
import LifelongCore

/// The prior's grid evidence (``GridEvidence``) carried from run to run as the learner carries
/// it from update to update: the plan unit adds its search to the evidence of the run that
/// published the base version and leaves the sum as an artifact of its run (none after a
/// drift retired samples: the next search starts afresh). A run that publishes nothing passes
/// nothing on; the next run starts from its base version's evidence again.
enum PriorEvidence {
    static let artifactName = "prior-evidence"

    /// The evidence left by the run that published `version` of the job (nil for version 0,
    /// or when that run left none).
    /// - Throws: ``TrainingError`` INTERNAL for bytes that are not evidence.
    static func published(_ context: UnitContext, version: Int64) async throws -> GridEvidence? {
        guard version > 0,
            let bytes = try await context.store.publishedArtifact(artifactName, job: context.request.jobID, version: version)
        else { return nil }
        do {
            return try JSONDecoder().decode(GridEvidence.self, from: Data(bytes))
        } catch {
            throw TrainingError(.internalError, "\(artifactName) of version \(version): \(error)")
        }
    }

    static func encode(_ evidence: GridEvidence) throws -> [UInt8] {
        Array(try JSONEncoder().encode(evidence))
    }
}
