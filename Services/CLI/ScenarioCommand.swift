import ArgumentParser
import Foundation
import LifelongCore

/// `lifelong scenario`: writes the generator's rounds as CSV files.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Write a seeded thermal-comfort scenario as CSV files (initial, round-N train and test).",
        discussion: """
            Writes OUTPUT/initial.csv, OUTPUT/initial-test.csv and, for each round N, OUTPUT/round-N.csv and \
            OUTPUT/round-N-test.csv. Columns: site, season, six features, thermal_preference. Try:
              lifelong scenario --output /tmp/comfort
              lifelong experiment --initial /tmp/comfort/initial.csv \\
                --round /tmp/comfort/round-1.csv --test /tmp/comfort/round-1-test.csv \\
                --round /tmp/comfort/round-2.csv --test /tmp/comfort/round-2-test.csv \\
                --label thermal_preference --attributes site,season
            """)

    @Option(help: "Folder to write into (created if missing).")
    var output: String
    @Option(help: "Seed of the scenario.")
    var seed: UInt64 = ScenarioParameters().seed
    @Option(help: "Climate zones.")
    var climateZones: Int = ScenarioParameters().climateZones
    @Option(help: "Sites in the initial data.")
    var initialSites: Int = ScenarioParameters().initialSites
    @Option(help: "Rounds after the initial data.")
    var rounds: Int = ScenarioParameters().rounds
    @Option(help: "New sites per round.")
    var newSitesPerRound: Int = ScenarioParameters().newSitesPerRound
    @Option(help: "Training rows per task of an initial site.")
    var initialSamples: Int = ScenarioParameters().initialSamplesPerTask
    @Option(help: "Training rows per task of a new site.")
    var newSiteSamples: Int = ScenarioParameters().newSiteSamplesPerTask
    @Option(help: "Test rows per task.")
    var testSamples: Int = ScenarioParameters().testSamplesPerTask
    @Option(help: "Share of labels redrawn at random.")
    var labelNoise: Double = ScenarioParameters().labelNoise

    func run() throws {
        var parameters = ScenarioParameters()
        parameters.seed = seed
        parameters.climateZones = climateZones
        parameters.initialSites = initialSites
        parameters.rounds = rounds
        parameters.newSitesPerRound = newSitesPerRound
        parameters.initialSamplesPerTask = initialSamples
        parameters.newSiteSamplesPerTask = newSiteSamples
        parameters.testSamplesPerTask = testSamples
        parameters.labelNoise = labelNoise
        let scenario: ThermalComfortScenario
        do {
            scenario = try ThermalComfortScenario(parameters: parameters)
        } catch {
            throw ValidationError("\(error)")
        }
        let folder = URL(fileURLWithPath: output, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for round in scenario.rounds {
            let name = round.index == 0 ? "initial" : "round-\(round.index)"
            try round.train.writeCSV(to: folder.appendingPathComponent("\(name).csv"))
            try round.test.writeCSV(to: folder.appendingPathComponent("\(name)-test.csv"))
            print("\(name): \(round.train.rowCount) training rows, \(round.test.rowCount) test rows, new tasks: \(round.newTasks.joined(separator: " "))")
        }
    }
}
