import Foundation
import LifelongCore

/// The prior's grid evidence (``GridEvidence``) carried from run to run as the learner carries
/// it from update to update: the plan unit adds its search to the evidence of the run that
/// published the base version and leaves the sum as an artifact of its run (none after a
/// drift retired samples: the next search starts afresh). A run that publishes nothing passes
/// nothing on; the next run starts from its base version's evidence again.
enum PriorEvidence {
    /// The artifact of bag member `member`'s evidence (``PlanArtifacts/name(_:member:)``).
    static func artifactName(member: Int) -> String { PlanArtifacts.name("prior-evidence", member: member) }

    /// Per bag member (`members` of them), the evidence left by the run that published
    /// `version` of the job (nil for version 0, or when that run left none for the member).
    /// - Throws: ``TrainingError`` INTERNAL for bytes that are not evidence.
    static func published(_ context: UnitContext, version: Int64, members: Int) async throws -> [GridEvidence?] {
        var evidence: [GridEvidence?] = []
        for member in 0..<members {
            let name = artifactName(member: member)
            guard version > 0, let bytes = try await context.store.publishedArtifact(name, job: context.request.jobID, version: version) else {
                evidence.append(nil)
                continue
            }
            do {
                evidence.append(try JSONDecoder().decode(GridEvidence.self, from: Data(bytes)))
            } catch {
                throw TrainingError(.internalError, "\(name) of version \(version): \(error)")
            }
        }
        return evidence
    }

    static func encode(_ evidence: GridEvidence) throws -> [UInt8] {
        Array(try JSONEncoder().encode(evidence))
    }
}
