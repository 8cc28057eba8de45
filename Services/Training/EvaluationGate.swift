/// Whether a task's new model may be deployed, judged on the task's eval split.
///
/// A new task's model must reach `minAccuracy`; a retrained task's model must reach the
/// deployed model's accuracy on the same rows plus `minImprovement` (a tie passes when the
/// margin is 0: the new model learned from more rows). A rejected model stays in the KB and
/// in the run's report; the deployed one keeps serving.
public struct EvaluationGate: Sendable, Hashable {
    /// Smallest eval accuracy of a new task's model.
    public var minAccuracy: Double
    /// How much a retrained model must beat the deployed one by.
    public var minImprovement: Double

    /// Creates a gate.
    public init(minAccuracy: Double = 0, minImprovement: Double = 0) {
        self.minAccuracy = minAccuracy
        self.minImprovement = minImprovement
    }

    /// The verdict on a model.
    /// - Parameters:
    ///   - accuracy: The new model's eval accuracy.
    ///   - deployed: The deployed model's accuracy on the same rows; nil for a new task.
    /// - Returns: nil when it passes, else why not.
    public func rejection(accuracy: Double, deployed: Double?) -> String? {
        if let deployed {
            let needed = deployed + minImprovement
            return accuracy >= needed - 1e-12
                ? nil : "eval accuracy \(Self.format(accuracy)) < deployed \(Self.format(deployed)) + margin \(Self.format(minImprovement))"
        }
        return accuracy >= minAccuracy - 1e-12
            ? nil : "eval accuracy \(Self.format(accuracy)) < threshold \(Self.format(minAccuracy)) for a new task"
    }

    static func format(_ value: Double) -> String {
        let scaled = (value * 10_000).rounded() / 10_000
        return "\(scaled)"
    }
}
