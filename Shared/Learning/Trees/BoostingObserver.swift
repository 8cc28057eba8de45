/// Watches boosting from outside the learning code: every `GradientBoostedTrees.train` in
/// the task that sets ``current`` reports each finished round to it, and stops when it
/// throws (a training service checks its cancellation flag there and reports progress).
///
/// A task-local value rather than a parameter, so the trainers in between (grid search,
/// cross-fitted priors, task corrections) need not pass it along.
///
/// ```swift
/// try BoostingObserver.$current.withValue(BoostingObserver { round, rounds in
///     if cancelled { throw CancellationError() }
/// }) { try learner.update(with: rows) }
/// ```
public struct BoostingObserver: Sendable {
    /// Called after each round with the round's number (1-based) and the planned rounds;
    /// throwing ends the training with that error.
    public let roundFinished: @Sendable (_ round: Int, _ rounds: Int) throws -> Void

    /// Creates an observer.
    public init(roundFinished: @escaping @Sendable (_ round: Int, _ rounds: Int) throws -> Void) {
        self.roundFinished = roundFinished
    }

    /// The observer of the current task; nil: nobody watches.
    @TaskLocal public static var current: BoostingObserver?
}
