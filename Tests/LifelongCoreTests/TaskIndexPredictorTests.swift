import Foundation
import LifelongCore
import LifelongLearning
import Testing

/// The served form of the index against a reference written from the documented rules with
/// the index's own parts (allocator, `nearestTasks`, the full decoded models), sample by sample.
@Suite("Task index predictor: the served form answers exactly as documented")
struct TaskIndexPredictorTests {
    /// The documented answer, computed the plain way: allocation by the allocator, distances
    /// by `TaskIndex.nearestTasks` (sorted, divisions), probabilities by the full models.
    static func reference(_ index: TaskIndex, features: [Float], attributes: [String]) throws -> (probabilities: [Float], task: String?, distance: Double, blended: Bool) {
        let task = try index.allocator.allocate(features: features, attributes: attributes)
        let nearest = index.nearestTasks(features)
        func probabilities(_ digest: String) throws -> [Float] { try index.models[digest]!.model.model.predict(features) }
        if let task, let assignment = index.assignment(of: task), let own = assignment.model {
            return (try probabilities(own), task, nearest.first?.distance ?? .infinity, false)
        }
        var components: [(String, Double)] = []
        if let task, let assignment = index.assignment(of: task) {
            components = assignment.fallbacks.map { ($0.digest, $0.weight) }
            if let global = index.globalModel { components.append((global, 1)) }
        } else {
            if let global = index.globalModel { components.append((global, 1)) }
            for (name, distance) in nearest.prefix(3) {
                if let digest = index.assignment(of: name)?.model { components.append((digest, exp(-distance / 2))) }
            }
        }
        var mixture = [Float](repeating: 0, count: index.encoding.classCount)
        var total = 0.0
        for (digest, weight) in components where weight > 0 {
            let p = try probabilities(digest)
            for k in mixture.indices { mixture[k] += Float(weight) * p[k] }
            total += weight
        }
        if total > 0 { mixture = mixture.map { $0 / Float(total) } }
        let blended = task != nil ? true : components.count > 1
        return (mixture, task, nearest.first?.distance ?? .infinity, blended)
    }

    @Test("known, model-less and unknown tasks: probabilities, task, distance and flags bit for bit")
    func matchesReference() throws {
        let learner = try Fixtures.initialLearner()
        var index = try #require(learner.index)
        // One task loses its own model, so its fallbacks and the global model answer.
        let stripped = try #require(index.assignments.firstIndex { $0.model != nil && !$0.fallbacks.isEmpty } ?? index.assignments.indices.first)
        index.assignments[stripped].model = nil
        if index.assignments[stripped].fallbacks.isEmpty, let global = index.globalModel {
            index.assignments[stripped].fallbacks = [WeightedModelReference(digest: global, weight: 0.5)]
        }
        let kinds = try Self.compare(index, on: Fixtures.scenario)
        #expect(kinds.known > 0 && kinds.unknown > 0 && kinds.modelLess > 0, "\(kinds)")
    }

    /// The nearest-task screening works in blocks of four tasks: indices of 1, 2 and 5 tasks
    /// leave blocks part empty and fewer tasks than the three the unknown-task blend takes.
    @Test("indices whose task count is not a multiple of four, or below three", arguments: [1, 2, 5])
    func taskCounts(sites: Int) throws {
        var parameters = Fixtures.scenarioParameters
        parameters.initialSites = sites
        parameters.seasons = 1
        parameters.testSamplesPerTask = 40
        let scenario = try ThermalComfortScenario(parameters: parameters)
        var learner = try LifelongLearner(configuration: Fixtures.configuration)
        try learner.update(with: scenario.rounds[0].train, timeUs: 1)
        let index = try #require(learner.index)
        #expect(index.tasks.count == sites)
        let kinds = try Self.compare(index, on: scenario)
        #expect(kinds.known > 0 && kinds.unknown > 0, "\(kinds)")
    }

    /// Compares the served answers with `reference` on up to 300 test rows of the scenario's
    /// first two rounds (every seventh with a missing feature); counts the rows of each kind.
    static func compare(_ index: TaskIndex, on scenario: ThermalComfortScenario) throws -> (known: Int, modelLess: Int, unknown: Int) {
        let predictor = try index.predictor()
        var kinds = (known: 0, modelLess: 0, unknown: 0)
        for round in scenario.rounds.prefix(2) {
            let test = round.test
            for row in 0..<min(test.rowCount, 300) {
                var features = test.table.features(ofRow: row)
                if row % 7 == 0 { features[row % features.count] = .nan }
                let expected = try Self.reference(index, features: features, attributes: test.attributes[row])
                let served = try predictor.predict(features: features, attributes: test.attributes[row])
                #expect(served.probabilities == expected.probabilities, "row \(row)")
                #expect(served.task == expected.task)
                #expect(served.scores[.distribution] == expected.distance)
                #expect(served.blended == expected.blended)
                #expect(served.scores[.confidence] == 1 - Double(expected.probabilities.max()!))
                let flagged = UnseenTaskDetector.Kind.allCases.filter { kind in
                    guard let score = served.scores[kind], let detector = index.detector(kind) else { return false }
                    return detector.flags(score)
                }
                #expect(served.flaggedBy == flagged)
                if expected.task == nil { kinds.unknown += 1 } else if expected.blended { kinds.modelLess += 1 } else { kinds.known += 1 }
            }
        }
        return kinds
    }

    @Test("wrong feature, attribute or output counts are refused, naming the field")
    func shapes() throws {
        let predictor = try #require(try Fixtures.initialLearner().index).predictor()
        let width = predictor.encoding.featureCount, names = predictor.attributeNames.map { _ in "x" }
        var output = [Float](repeating: 0, count: predictor.outputCount + 1)
        let row = [Float](repeating: 0, count: width)
        #expect { try predictor.predict(features: Array(row.dropLast()), attributes: names) } throws: {
            ($0 as? LifelongError)?.field == "features"
        }
        #expect { try predictor.predict(features: row, attributes: []) } throws: { ($0 as? LifelongError)?.field == "attributes" }
        #expect {
            try row.withUnsafeBufferPointer { features in
                try output.withUnsafeMutableBufferPointer { try predictor.predict(features: features, attributes: names, probabilities: $0) }
            }
        } throws: { ($0 as? LifelongError)?.field == "probabilities" }
    }
}
