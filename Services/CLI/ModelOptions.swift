import ArgumentParser
import LifelongCore
import LifelongLearning

/// Model and lifelong-learning parameters shared by the subcommands.
struct ModelOptions: ParsableArguments {
    @Option(help: "Boosting rounds per model.")
    var rounds: Int = LifelongConfiguration.defaultModelParameters.rounds
    @Option(help: "Maximum tree depth.")
    var maxDepth: Int = LifelongConfiguration.defaultModelParameters.maxDepth
    @Option(help: "Learning rate (eta).")
    var learningRate: Float = LifelongConfiguration.defaultModelParameters.learningRate
    @Option(help: "Row subsample per round, in (0, 1].")
    var rowSubsample: Float = LifelongConfiguration.defaultModelParameters.rowSubsample
    @Option(help: "Tasks with fewer training rows get no model of their own.")
    var minTaskSize: Int = LifelongConfiguration().minTaskSize
    @Flag(inversion: .prefixedNo, help: "Choose the prior's depth, rounds and learning rate by inner validation (a grid search per update).")
    var tunePrior: Bool = LifelongConfiguration().tunesPrior
    @Option(help: "Learners in the bag: each trains with its own seed, a task is served by their models averaged.")
    var bagSize: Int = LifelongConfiguration().bagSize
    @Option(help: "Target false-positive rate of the unseen-task detectors.")
    var targetFpr: Double = LifelongConfiguration().targetFalsePositiveRate
    @Option(help: "Seed of splits, sampling and clustering.")
    var seed: UInt64 = 0

    func configuration(definition: TaskDefinition) throws -> LifelongConfiguration {
        var configuration = LifelongConfiguration()
        configuration.definition = definition
        configuration.model.rounds = rounds
        configuration.model.maxDepth = maxDepth
        configuration.model.learningRate = learningRate
        configuration.model.rowSubsample = rowSubsample
        configuration.minTaskSize = minTaskSize
        configuration.tunesPrior = tunePrior
        configuration.bagSize = bagSize
        configuration.targetFalsePositiveRate = targetFpr
        configuration.seed = seed
        configuration.model.seed = seed
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }
}
