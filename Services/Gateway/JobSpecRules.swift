import Foundation
import LifelongProto
import RPCCore

/// What the gateway checks in a `JobSpec` before it stores a job, each rejection an
/// INVALID_ARGUMENT naming the field. The training service checks the model parameters again
/// when a round starts; a round it refuses fails visibly on the job without retries.
enum JobSpecRules {
    static let maximumNameBytes = 64

    /// Checks a spec.
    /// - Returns: The trigger policy it defines.
    static func check(_ spec: Lifelong_V1_JobSpec, timeZone: TimeZone) throws -> TriggerPolicy {
        try identifier(spec.name, field: "spec.name")
        guard let schema = spec.schema else { throw invalid("spec.schema", "is missing (columns, label_name, classes)") }
        guard !schema.columns.isEmpty else { throw invalid("spec.schema.columns", "needs at least one feature") }
        for (index, column) in schema.columns.enumerated() {
            guard !column.name.isEmpty else { throw invalid("spec.schema.columns[\(index)].name", "must not be empty") }
            guard column.kind == .numeric || column.kind == .categorical else {
                throw invalid("spec.schema.columns[\(index)].kind", "must be numeric or categorical")
            }
        }
        guard schema.classes.count >= 2 else { throw invalid("spec.schema.classes", "a label needs at least two classes") }
        switch spec.taskDefinition {
        case .unspecified, .attributes:
            guard !schema.attributeNames.isEmpty else {
                throw invalid("spec.schema.attribute_names", "attribute tasks need at least one attribute column")
            }
        case .clustering:
            break
        case .unrecognized(let value):
            throw invalid("spec.task_definition", "unknown method \(value)")
        }
        guard spec.trainFraction >= 0, spec.trainFraction < 1 else { throw invalid("spec.train_fraction", "must be in [0, 1) (0 = 0.8)") }
        guard (0...1).contains(spec.minAccuracy) else { throw invalid("spec.min_accuracy", "must be in [0, 1]") }
        guard (-1...1).contains(spec.minImprovement) else { throw invalid("spec.min_improvement", "must be in [-1, 1]") }
        guard spec.minTaskSamples >= 0 else { throw invalid("spec.min_task_samples", "must be >= 0") }
        guard spec.detectorFalsePositiveRate >= 0, spec.detectorFalsePositiveRate < 1 else {
            throw invalid("spec.detector_false_positive_rate", "must be in [0, 1)")
        }
        if let egress = spec.egress {
            guard egress.maxTransferRatio >= 0, egress.maxTransferRatio <= 1 else {
                throw invalid("spec.egress.max_transfer_ratio", "must be in [0, 1] (0 = no bound)")
            }
            if !egress.windowStart.isEmpty || !egress.windowEnd.isEmpty {
                _ = try TriggerPolicy.minute(egress.windowStart, field: "spec.egress.window_start")
                _ = try TriggerPolicy.minute(egress.windowEnd, field: "spec.egress.window_end")
            }
        }
        for (index, node) in spec.edgeNodes.enumerated() { try identifier(node, field: "spec.edge_nodes[\(index)]") }
        return try TriggerPolicy(spec.trigger ?? Lifelong_V1_TrainTrigger(), timeZone: timeZone)
    }

    /// A name of letters, digits, `.`, `_` and `-`, at most 64 bytes.
    static func identifier(_ value: String, field: String) throws {
        guard !value.isEmpty else { throw invalid(field, "must not be empty") }
        guard value.utf8.count <= maximumNameBytes else { throw invalid(field, "at most \(maximumNameBytes) bytes") }
        guard value.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-".unicodeScalars.contains($0)) })
        else { throw invalid(field, "'\(value)' may hold only letters, digits, '.', '_' and '-'") }
    }

    static func invalid(_ field: String, _ message: String) -> RPCError {
        RPCError(code: .invalidArgument, message: "\(field): \(message)")
    }
}
