import LifelongCore
import LifelongLearning

/// The same training as the service's, in-process (`RoundTraining.trainRound`) with the
/// parameters of ``ScenarioSamples/request(base:requestID:configure:)``.
enum InProcessTraining {
    /// Task models by task name, from the rows of `train` (all tasks, by attribute values);
    /// `tunedPrior`: as a request with rounds 0 asks (the prior tuned by grid search, the
    /// corrections at the default rounds).
    static func models(_ train: LabelledSet, tunedPrior: Bool = false) throws -> [String: StoredModel] {
        var configuration = configuration
        if tunedPrior {
            configuration.tunesPrior = true
            configuration.model.rounds = LifelongConfiguration.defaultModelParameters.rounds
        }
        return try RoundTraining(configuration: configuration).trainRound(train).tasks.mapValues(\.model)
    }

    /// Task models by task name, from each task's training rows (rows of one task share their
    /// attribute values; cluster tasks have none).
    static func models(tasks rowsByTask: [String: LabelledSet]) throws -> [String: StoredModel] {
        try RoundTraining(configuration: configuration).trainRound(tasks: rowsByTask).tasks.mapValues(\.model)
    }

    private static var configuration: LifelongConfiguration {
        var configuration = LifelongConfiguration()
        configuration.model.rounds = 20
        configuration.model.maxDepth = 3
        configuration.model.learningRate = 0.3
        configuration.seed = 7
        configuration.tunesPrior = false
        return configuration
    }
}
