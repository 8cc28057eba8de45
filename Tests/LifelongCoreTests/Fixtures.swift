import LifelongCore
import LifelongLearning

/// Small scenarios and fast settings so the suite stays quick in a debug build.
enum Fixtures {
    static var scenarioParameters: ScenarioParameters {
        var parameters = ScenarioParameters()
        parameters.initialSamplesPerTask = 200
        parameters.testSamplesPerTask = 120
        return parameters
    }

    static var configuration: LifelongConfiguration {
        var configuration = LifelongConfiguration()
        configuration.model.rounds = 30
        configuration.model.learningRate = 0.2
        // The prior's grid search is covered by GridSearchTests; here it would cost minutes of a debug build.
        configuration.tunesPrior = false
        return configuration
    }

    static let scenario: ThermalComfortScenario = {
        do { return try ThermalComfortScenario(parameters: scenarioParameters) } catch { fatalError("\(error)") }
    }()

    /// A learner that has seen the initial round.
    static func initialLearner() throws -> LifelongLearner {
        var learner = try LifelongLearner(configuration: configuration)
        try learner.update(with: scenario.rounds[0].train, timeUs: 1)
        return learner
    }

    /// Rows of `set` whose attribute key is `key`.
    static func rows(of set: LabelledSet, key: String) -> LabelledSet {
        set.selecting(rows: (0..<set.rowCount).filter { set.attributeKey(ofRow: $0) == key })
    }

    static func accuracy(_ model: TrainedModel, on set: LabelledSet) throws -> Double {
        let predicted = model.model.classes(fromBatch: try model.model.predict(table: set.table))
        return Double(zip(predicted, set.table.classLabels).filter { $0 == $1 }.count) / Double(set.rowCount)
    }
}
