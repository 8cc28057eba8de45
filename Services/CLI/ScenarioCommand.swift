import ArgumentParser
import Foundation
import LifelongCore

/// `lifelong scenario`: writes a generator's rounds as CSV files.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Write a seeded scenario (thermal comfort or shop demand) as CSV files (initial, round-N train and test).",
        discussion: """
            Writes OUTPUT/initial.csv, OUTPUT/initial-test.csv, for each round N OUTPUT/round-N.csv and \
            OUTPUT/round-N-test.csv, and OUTPUT/scenario.json (kind, attribute and label columns). \
            --kind thermal (default): columns site, season, six numeric features, thermal_preference. \
            --kind shop: columns format, region, price, discount, temperature, weekday, product_family, demand; \
            one shop's demand function drifts in --drift-round. Unset options take the kind's defaults. Try:
              lifelong scenario --output /tmp/comfort
              lifelong experiment --initial /tmp/comfort/initial.csv \\
                --round /tmp/comfort/round-1.csv --test /tmp/comfort/round-1-test.csv \\
                --round /tmp/comfort/round-2.csv --test /tmp/comfort/round-2-test.csv \\
                --label thermal_preference --attributes site,season
              lifelong scenario --kind shop --output /tmp/shop
              lifelong experiment --initial /tmp/shop/initial.csv \\
                --round /tmp/shop/round-1.csv --test /tmp/shop/round-1-test.csv \\
                --round /tmp/shop/round-2.csv --test /tmp/shop/round-2-test.csv \\
                --round /tmp/shop/round-3.csv --test /tmp/shop/round-3-test.csv \\
                --label demand --attributes format,region
            """)

    @Option(help: "Folder to write into (created if missing).")
    var output: String
    @Option(help: "Generator: thermal, shop or thermal-alike (thermal with one comfort function for every task).")
    var kind: String = ScenarioKind.thermal.rawValue
    @Option(help: "Seed of the scenario.")
    var seed: UInt64 = ScenarioParameters().seed
    @Option(help: "Climate zones (thermal only; default 3).")
    var climateZones: Int?
    @Option(help: "Sites or shops in the initial data (default: thermal 6, shop 8).")
    var initialSites: Int?
    @Option(help: "Rounds after the initial data (default: thermal 2, shop 3).")
    var rounds: Int?
    @Option(help: "New sites or shops per round (default 2).")
    var newSitesPerRound: Int?
    @Option(help: "Training rows per initial task (default 300).")
    var initialSamples: Int?
    @Option(help: "Training rows per task of a new site or shop (default: thermal 30, shop 40).")
    var newSiteSamples: Int?
    @Option(help: "Test rows per task (default 200).")
    var testSamples: Int?
    @Option(help: "Share of labels redrawn at random (default: thermal 0.08, shop 0.05).")
    var labelNoise: Double?
    @Option(help: "Round in which one initial shop's function drifts, 0 for none (shop only; default 2).")
    var driftRound: Int?

    func validate() throws {
        guard let kind = ScenarioKind(rawValue: kind) else {
            throw ValidationError("--kind must be one of \(ScenarioKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if kind == .shop, climateZones != nil { throw ValidationError("--climate-zones is for --kind thermal or thermal-alike") }
        if kind != .shop, driftRound != nil { throw ValidationError("--drift-round is for --kind shop") }
    }

    func run() throws {
        let scenario: any GeneratedScenario
        do {
            scenario = try makeScenario()
        } catch {
            throw ValidationError("\(error)")
        }
        try scenario.writeFiles(to: URL(fileURLWithPath: output, isDirectory: true))
        for round in scenario.rounds {
            print("\(round.fileStem): \(round.train.rowCount) training rows, \(round.test.rowCount) test rows, new tasks: \(round.newTasks.joined(separator: " "))")
        }
    }

    /// The scenario of `--kind` with the options given; the rest are the kind's defaults.
    func makeScenario() throws -> any GeneratedScenario {
        let scenarioKind = ScenarioKind(rawValue: kind) ?? .thermal
        switch scenarioKind {
        case .thermal, .thermalAlike:
            var parameters = ScenarioParameters()
            parameters.seed = seed
            if scenarioKind == .thermalAlike { parameters.taskSpread = 0 }
            if let climateZones { parameters.climateZones = climateZones }
            if let initialSites { parameters.initialSites = initialSites }
            if let rounds { parameters.rounds = rounds }
            if let newSitesPerRound { parameters.newSitesPerRound = newSitesPerRound }
            if let initialSamples { parameters.initialSamplesPerTask = initialSamples }
            if let newSiteSamples { parameters.newSiteSamplesPerTask = newSiteSamples }
            if let testSamples { parameters.testSamplesPerTask = testSamples }
            if let labelNoise { parameters.labelNoise = labelNoise }
            return try ThermalComfortScenario(parameters: parameters)
        case .shop:
            var parameters = ShopDemandParameters()
            parameters.seed = seed
            if let initialSites { parameters.initialShops = initialSites }
            if let rounds {
                parameters.rounds = rounds
                parameters.driftRound = min(parameters.driftRound, rounds)
            }
            if let newSitesPerRound { parameters.newShopsPerRound = newSitesPerRound }
            if let initialSamples { parameters.initialSamplesPerTask = initialSamples }
            if let newSiteSamples { parameters.newShopSamplesPerTask = newSiteSamples }
            if let testSamples { parameters.testSamplesPerTask = testSamples }
            if let labelNoise { parameters.labelNoise = labelNoise }
            if let driftRound { parameters.driftRound = driftRound }
            return try ShopDemandScenario(parameters: parameters)
        }
    }
}
