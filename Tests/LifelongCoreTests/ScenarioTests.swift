import Foundation
@testable import LifelongCore
import LifelongLearning
import Testing

@Suite("Thermal-comfort scenario generator")
struct ScenarioTests {
    @Test("equal seeds give equal data, other seeds other data")
    func seeded() throws {
        let a = try ThermalComfortScenario(parameters: Fixtures.scenarioParameters)
        let b = try ThermalComfortScenario(parameters: Fixtures.scenarioParameters)
        var other = Fixtures.scenarioParameters
        other.seed += 1
        let c = try ThermalComfortScenario(parameters: other)
        #expect(a.rounds[1].train.table.columns == b.rounds[1].train.table.columns)
        #expect(a.rounds[1].train.table.labels == b.rounds[1].train.table.labels)
        #expect(a.rounds[0].train.table.columns != c.rounds[0].train.table.columns)
    }

    @Test("rounds bring new sites with few rows; test sets cover the round's tasks; three classes occur")
    func structure() throws {
        let scenario = Fixtures.scenario
        let p = scenario.parameters
        #expect(scenario.rounds.count == p.rounds + 1)
        #expect(scenario.rounds[0].train.rowCount == p.initialSites * p.seasons * p.initialSamplesPerTask)
        for round in scenario.rounds.dropFirst() {
            #expect(round.newTasks.count == p.newSitesPerRound * p.seasons)
            for task in round.newTasks {
                #expect(Fixtures.rows(of: round.train, key: task).rowCount == p.newSiteSamplesPerTask)
                #expect(Fixtures.rows(of: round.test, key: task).rowCount == p.testSamplesPerTask)
            }
            #expect(round.updatedTasks.count == 1)
        }
        let counts = Dictionary(grouping: scenario.rounds[0].train.table.classLabels, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { $0 > scenario.rounds[0].train.rowCount / 10 })
    }

    @Test("invalid parameters are rejected naming the field")
    func invalid() {
        var parameters = ScenarioParameters()
        parameters.labelNoise = 2
        #expect(throws: LifelongError.self) { try ThermalComfortScenario(parameters: parameters) }
        do {
            _ = try ThermalComfortScenario(parameters: parameters)
        } catch let error as LifelongError {
            #expect(error.field == "labelNoise")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("thermal-alike: every site and season has one comfort function; the same seed's indoor conditions; taskSpread outside [0, 1] is rejected; its tasks do not differ")
    func alike() throws {
        let alike = try #require(try ScenarioKind.thermalAlike.make(seed: 7, rounds: 1) as? ThermalComfortScenario)
        let thermal = try #require(try ScenarioKind.thermal.make(seed: 7, rounds: 1) as? ThermalComfortScenario)
        #expect(alike.kind == .thermalAlike && thermal.kind == .thermal)
        // The benchmark's target: match one model where tasks are alike, beat it where they differ.
        #expect(!ScenarioKind.thermalAlike.tasksDiffer && ScenarioKind.thermal.tasksDiffer && ScenarioKind.shop.tasksDiffer)
        #expect(alike.rounds[1].train.table.columns == thermal.rounds[1].train.table.columns)
        // One function: the Bayes class of a row does not depend on the task it is asked for.
        let tasks = alike.sites.flatMap { site in ThermalComfortScenario.seasonNames.map { [site.name, $0] } }
        var differing = 0
        var differingInThermal = 0
        let rows = alike.rounds[0].test
        for row in 0..<rows.rowCount {
            let features = rows.table.features(ofRow: row)
            if Set(tasks.map { alike.bayesClass(features: features, attributes: $0, round: 0) }).count > 1 { differing += 1 }
            if Set(tasks.map { thermal.bayesClass(features: features, attributes: $0, round: 0) }).count > 1 { differingInThermal += 1 }
        }
        #expect(differing == 0)
        #expect(differingInThermal > rows.rowCount / 4)
        var parameters = ScenarioParameters()
        parameters.taskSpread = 1.5
        let error = #expect(throws: LifelongError.self) { try ThermalComfortScenario(parameters: parameters) }
        #expect(error?.field == "taskSpread")
    }

    @Test("CSV round trip through CSVReader and attribute splitting")
    func csvRoundTrip() throws {
        let set = Fixtures.scenario.rounds[1].train
        var options = CSVReader.Options()
        options.labelColumn = ThermalComfortScenario.labelName
        options.forceCategorical = Set(ThermalComfortScenario.attributeNames)
        let table = try CSVReader(options: options).read(text: set.csvText())
        let back = try LabelledSet(splitting: table, attributeNames: ThermalComfortScenario.attributeNames)
        #expect(back.attributes == set.attributes)
        #expect(back.table.columns == set.table.columns)
        #expect(back.table.encoding.features.map(\.name) == ThermalComfortScenario.featureNames)
        #expect(back.table.labels.map { back.table.encoding.classNames[Int($0)] }
            == set.table.labels.map { set.table.encoding.classNames[Int($0)] })
        #expect(throws: LifelongError.self) { try LabelledSet(splitting: table, attributeNames: ["building"]) }
    }
}

@Suite("the generators' Bayes classifier")
struct BayesOracleTests {
    @Test("noisy band: the middle band wins inside it, the nearer outer band outside; without noise the band itself")
    func noisyBand() {
        #expect(NoisyBand.mostLikely(score: 0, halfWidth: 0.5, stddev: 0.3) == .within)
        #expect(NoisyBand.mostLikely(score: 0.9, halfWidth: 0.5, stddev: 0.3) == .above)
        #expect(NoisyBand.mostLikely(score: -0.9, halfWidth: 0.5, stddev: 0.3) == .below)
        #expect(NoisyBand.mostLikely(score: 0.49, halfWidth: 0.5, stddev: 0) == .within)
        #expect(NoisyBand.mostLikely(score: 0.51, halfWidth: 0.5, stddev: 0) == .above)
        // Wide noise over a narrow band: the middle class is never the most likely.
        #expect(NoisyBand.mostLikely(score: 0.01, halfWidth: 0.05, stddev: 2) == .above)
    }

    @Test("without label and score noise the Bayes class is every row's label, in both generators")
    func noiselessOracleIsTheLabel() throws {
        var thermal = ScenarioParameters()
        thermal.labelNoise = 0
        thermal.sensationNoise = 0
        thermal.initialSamplesPerTask = 20
        thermal.testSamplesPerTask = 20
        var shop = ShopDemandParameters()
        shop.labelNoise = 0
        shop.demandNoise = 0
        shop.initialSamplesPerTask = 20
        shop.testSamplesPerTask = 20
        let scenarios: [any GeneratedScenario] = [try ThermalComfortScenario(parameters: thermal), try ShopDemandScenario(parameters: shop)]
        for scenario in scenarios {
            var mismatches = 0, rows = 0
            for round in scenario.rounds {
                for set in [round.train, round.test] {
                    for row in 0..<set.rowCount {
                        let answer = scenario.bayesClass(features: set.table.features(ofRow: row), attributes: set.attributes[row], round: round.index)
                        if answer != Int(set.table.labels[row]) { mismatches += 1 }
                        rows += 1
                    }
                }
            }
            // Features are written rounded to 0.01; a row that close to a band edge may flip.
            #expect(Double(mismatches) / Double(rows) < 0.01, "\(scenario.kind): \(mismatches) of \(rows)")
            #expect(scenario.bayesClass(features: [0, 0, 0, 0, 0, 0], attributes: ["nowhere", "never"], round: 0) == nil)
        }
    }

    @Test("fresh test rows of a round's new tasks: exactly those tasks, as many rows as asked, seeded, apart from the round's own")
    func extraTestOfNewTasks() throws {
        for kind in ScenarioKind.allCases {
            let scenario = try kind.make(seed: 7, rounds: 2)
            for round in 1...2 {
                let extra = try scenario.extraTest(newTasksOfRound: round, samplesPerTask: 30, seed: 99)
                let newTasks = scenario.rounds[round].newTasks
                #expect(extra.rowCount == 30 * newTasks.count, "\(kind) round \(round)")
                let keys = (0..<extra.rowCount).map { extra.attributeKey(ofRow: $0) }
                #expect(Set(keys) == Set(newTasks), "\(kind) round \(round)")
                #expect(Dictionary(grouping: keys, by: { $0 }).values.allSatisfy { $0.count == 30 })
                let again = try scenario.extraTest(newTasksOfRound: round, samplesPerTask: 30, seed: 99)
                #expect(again.table.columns == extra.table.columns && again.table.labels == extra.table.labels)
                let other = try scenario.extraTest(newTasksOfRound: round, samplesPerTask: 30, seed: 100)
                #expect(other.table.columns != extra.table.columns)
                let own = scenario.rounds[round].test
                #expect(own.table.features(ofRow: 0) != extra.table.features(ofRow: 0))
                // Like the round's own test set: its new and its updated tasks.
                let like = try scenario.extraTest(likeRound: round, samplesPerTask: 10, seed: 5)
                let ownTasks = Set((0..<own.rowCount).map { own.attributeKey(ofRow: $0) })
                #expect(Set((0..<like.rowCount).map { like.attributeKey(ofRow: $0) }) == ownTasks, "\(kind) round \(round)")
                #expect(like.rowCount == 10 * ownTasks.count)
            }
            #expect(throws: LifelongError.self) {
                try scenario.extraTest(tasks: ["nowhere_never"], functionRound: 1, samplesPerTask: 1, seed: 1)
            }
        }
    }
}
