import Foundation
import LifelongCore
import LifelongLearning
import Testing

@Suite("Shop-demand scenario generator")
struct ShopDemandScenarioTests {
    /// The default structure with few rows, so the suite stays quick.
    static var parameters: ShopDemandParameters {
        var parameters = ShopDemandParameters()
        parameters.initialSamplesPerTask = 150
        parameters.testSamplesPerTask = 150
        return parameters
    }

    static let scenario: ShopDemandScenario = {
        do { return try ShopDemandScenario(parameters: parameters) } catch { fatalError("\(error)") }
    }()

    @Test("equal seeds give equal data in every round, other seeds other data")
    func seeded() throws {
        let a = try ShopDemandScenario(parameters: Self.parameters)
        let b = try ShopDemandScenario(parameters: Self.parameters)
        var other = Self.parameters
        other.seed += 1
        let c = try ShopDemandScenario(parameters: other)
        for (x, y) in zip(a.rounds, b.rounds) {
            #expect(x.train.table.columns == y.train.table.columns)
            #expect(x.train.table.labels == y.train.table.labels)
            #expect(x.train.attributes == y.train.attributes)
            #expect(x.test.table.columns == y.test.table.columns)
            #expect(x.newTasks == y.newTasks && x.updatedTasks == y.updatedTasks)
        }
        #expect(a.driftedTask == b.driftedTask)
        #expect(a.rounds[0].train.table.columns != c.rounds[0].train.table.columns)
    }

    @Test("rounds bring distinct new shops with few rows, one updated known shop, test rows per task; three classes occur")
    func structure() throws {
        let scenario = Self.scenario
        let p = scenario.parameters
        #expect(scenario.rounds.count == p.rounds + 1)
        #expect(scenario.rounds[0].train.rowCount == p.initialShops * p.initialSamplesPerTask)
        #expect(scenario.rounds[0].newTasks.count == p.initialShops)
        #expect(scenario.rounds[0].updatedTasks.isEmpty)
        let initial = Set(scenario.rounds[0].newTasks)
        var seen = initial
        for round in scenario.rounds.dropFirst() {
            #expect(round.newTasks.count == p.newShopsPerRound)
            for task in round.newTasks {
                #expect(!seen.contains(task))
                seen.insert(task)
                #expect(Fixtures.rows(of: round.train, key: task).rowCount == p.newShopSamplesPerTask)
                #expect(Fixtures.rows(of: round.test, key: task).rowCount == p.testSamplesPerTask)
            }
            #expect(round.updatedTasks.count == 1)
            #expect(round.updatedTasks.allSatisfy { initial.contains($0) })
            #expect(Fixtures.rows(of: round.train, key: round.updatedTasks[0]).rowCount == p.knownTaskSamplesPerRound)
            #expect(round.train.rowCount == p.newShopsPerRound * p.newShopSamplesPerTask + p.knownTaskSamplesPerRound)
            #expect(round.test.rowCount == (p.newShopsPerRound + 1) * p.testSamplesPerTask)
        }
        #expect(scenario.rounds[p.driftRound].updatedTasks == [scenario.driftedTask])
        let counts = Dictionary(grouping: scenario.rounds[0].train.table.classLabels, by: { $0 }).mapValues(\.count)
        #expect(counts.count == 3)
        #expect(counts.values.allSatisfy { $0 > scenario.rounds[0].train.rowCount / 10 })
    }

    @Test("tasks are defined by two attribute columns, format and region; formats recur across regions")
    func attributes() throws {
        let scenario = Self.scenario
        let rows = scenario.rounds.flatMap { $0.train.attributes + $0.test.attributes }
        #expect(scenario.rounds.allSatisfy { $0.train.attributeNames == ["format", "region"] })
        #expect(rows.allSatisfy { $0.count == 2 })
        #expect(rows.allSatisfy { ShopDemandScenario.formatNames.contains($0[0]) && ShopDemandScenario.regionNames.contains($0[1]) })
        let shops = Set(rows.map { LabelledSet.key($0) })
        #expect(shops == Set(scenario.shops.map(\.key)))
        #expect(shops.count == scenario.parameters.initialShops + scenario.parameters.rounds * scenario.parameters.newShopsPerRound)
        let formats = Set(rows.map { $0[0] }), regions = Set(rows.map { $0[1] })
        #expect(formats.count > 1 && regions.count > 1)
        // Related tasks: some format appears in more than one region.
        let regionsPerFormat = Dictionary(grouping: scenario.shops, by: \.format).mapValues(\.count)
        #expect(regionsPerFormat.values.contains { $0 > 1 })
    }

    @Test("weekday and product family are categorical features, encoded as codes and written as names")
    func categoricalFeatures() throws {
        let set = Self.scenario.rounds[0].train
        let encoding = set.table.encoding
        #expect(encoding.features.map(\.name) == ShopDemandScenario.featureNames)
        #expect(encoding.features[0].categories == nil && encoding.features[1].categories == nil)
        #expect(encoding.features[3].categories?.categories == ShopDemandScenario.weekdayNames)
        #expect(encoding.features[4].categories?.categories == ShopDemandScenario.familyNames)
        let weekdays = set.table.columns[3]
        #expect(weekdays.allSatisfy { $0 >= 0 && $0 < 7 && $0 == $0.rounded() })
        #expect(Set(weekdays).count == 7)
        #expect(Set(set.table.columns[4]).count == ShopDemandScenario.familyNames.count)

        let text = set.csvText()
        #expect(text.hasPrefix("format,region,price,discount,temperature,weekday,product_family,demand\n"))
        var options = CSVReader.Options()
        options.labelColumn = ShopDemandScenario.labelName
        options.forceCategorical = Set(ShopDemandScenario.attributeNames)
        let table = try CSVReader(options: options).read(text: text)
        let back = try LabelledSet(splitting: table, attributeNames: ShopDemandScenario.attributeNames)
        #expect(back.attributes == set.attributes)
        func names(_ set: LabelledSet, _ column: String) -> [String] {
            let index = set.table.encoding.features.firstIndex { $0.name == column }!
            let categories = set.table.encoding.features[index].categories!.categories
            return set.table.columns[index].map { categories[Int($0)] }
        }
        #expect(names(back, "weekday") == names(set, "weekday"))
        #expect(names(back, "product_family") == names(set, "product_family"))
        #expect(back.table.columns[0] == set.table.columns[0])
    }

    @Test("drift: the drifted shop's labels change for equal features, and its new rows follow the new function")
    func drift() throws {
        let scenario = Self.scenario
        let p = scenario.parameters
        let key = try #require(scenario.driftedTask)
        let shop = try #require(scenario.shops.first { $0.key == key })
        #expect(shop.round == 0)
        let before = scenario.function(of: shop, inRound: p.driftRound - 1)
        let after = scenario.function(of: shop, inRound: p.driftRound)
        #expect(before == shop && after != shop)
        // Equal features, other class: the drift round's rows of the drifted shop under both functions.
        let round = scenario.rounds[p.driftRound]
        for set in [Fixtures.rows(of: round.train, key: key), Fixtures.rows(of: round.test, key: key)] {
            let features = (0..<set.rowCount).map { set.table.features(ofRow: $0) }
            let old = features.map { ShopDemandScenario.noiselessClass(of: $0, shop: before) }
            let new = features.map { ShopDemandScenario.noiselessClass(of: $0, shop: after) }
            let changed = Double(zip(old, new).filter { $0 != $1 }.count) / Double(set.rowCount)
            #expect(changed > 0.25)
            // The generated labels agree with the new function, not the old one.
            let labels = set.table.classLabels
            let agreeNew = Double(zip(new, labels).filter { $0 == $1 }.count) / Double(set.rowCount)
            let agreeOld = Double(zip(old, labels).filter { $0 == $1 }.count) / Double(set.rowCount)
            #expect(agreeNew > agreeOld + 0.15)
        }
        // Before the drift round the shop's rows follow the old function.
        let initialRows = Fixtures.rows(of: scenario.rounds[0].train, key: key)
        let labels = initialRows.table.classLabels
        func agreement(_ function: ShopDemandScenario.Shop) -> Double {
            let agreeing = (0..<initialRows.rowCount).filter {
                ShopDemandScenario.noiselessClass(of: initialRows.table.features(ofRow: $0), shop: function) == labels[$0]
            }
            return Double(agreeing.count) / Double(initialRows.rowCount)
        }
        #expect(agreement(before) > agreement(after) + 0.15)
        // Without drift no function changes and the updated shops cycle through the initial ones.
        var none = Self.parameters
        none.driftRound = 0
        let stable = try ShopDemandScenario(parameters: none)
        #expect(stable.driftedTask == nil)
        #expect(stable.shops.allSatisfy { stable.function(of: $0, inRound: none.rounds) == $0 })
    }

    @Test("invalid parameters are rejected naming the field", arguments: [
        "labelNoise", "formats", "initialShops", "driftRound", "demandNoise", "newShopSamplesPerTask",
    ])
    func invalid(field: String) {
        var parameters = ShopDemandParameters()
        switch field {
        case "labelNoise": parameters.labelNoise = 2
        case "formats": parameters.formats = 0
        case "initialShops": parameters.initialShops = 30  // more than 4 formats x 4 regions with the new shops
        case "driftRound": parameters.driftRound = parameters.rounds + 1
        case "demandNoise": parameters.demandNoise = -.infinity
        default: parameters.newShopSamplesPerTask = 1
        }
        do {
            _ = try ShopDemandScenario(parameters: parameters)
            Issue.record("\(field): accepted")
        } catch let error as LifelongError {
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("either generator through GeneratedScenario: kind, attributes and files with scenario.json")
    func generated() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shop-scenario-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let scenarios: [any GeneratedScenario] = [Self.scenario, Fixtures.scenario]
        #expect(scenarios.map(\.kind) == [.shop, .thermal])
        #expect(scenarios.map(\.attributeNames) == [["format", "region"], ["site", "season"]])
        #expect(scenarios.map(\.labelName) == ["demand", "thermal_preference"])
        try Self.scenario.writeFiles(to: folder)
        let names = try Set(FileManager.default.contentsOfDirectory(atPath: folder.path))
        let rounds = Self.scenario.parameters.rounds
        #expect(names == Set(["initial.csv", "initial-test.csv", "scenario.json"] + (1...rounds).flatMap { ["round-\($0).csv", "round-\($0)-test.csv"] }))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("scenario.json"))) as? [String: Any]
        #expect(json?["kind"] as? String == "shop")
        #expect(json?["attributes"] as? [String] == ["format", "region"])
        #expect(json?["label"] as? String == "demand")
        #expect(try ScenarioKind.shop.make(seed: 7, rounds: 1).rounds.count == 2)
    }
}
