import LifelongLearning

/// What the benchmark and the CLI need from any generator.
extension ShopDemandScenario: GeneratedScenario {
    public func extraTest(tasks: [String], functionRound: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        var random = SeededGenerator(seed: seed)
        var builder = ScenarioRowBuilder(attributeNames: Self.attributeNames)
        for task in tasks {
            guard let shop = shops.first(where: { $0.key == task }) else {
                throw LifelongError(.invalidParameter, "the scenario has no task '\(task)'", field: "tasks")
            }
            let function = self.function(of: shop, inRound: functionRound)
            for _ in 0..<samplesPerTask { builder.add(Self.sample(shop: function, parameters: parameters, random: &random)) }
        }
        return try builder.build(encoding: encoding)
    }

    public var kind: ScenarioKind { .shop }
    public var attributeNames: [String] { Self.attributeNames }
    public var newTaskSamplesPerTask: Int { parameters.newShopSamplesPerTask }
    public var summary: String {
        let p = parameters
        let drift = driftedTask.map { "drift of \($0) in round \(p.driftRound)" } ?? "no drift"
        return """
            shop-demand scenario seed \(p.seed), \(p.initialShops) initial shops (format x region of \(p.formats) x \
            \(p.regions), \(p.initialSamplesPerTask) rows/task), \(p.rounds) rounds x \(p.newShopsPerRound) new shops \
            (\(p.newShopSamplesPerTask) labelled rows/task) + \(p.knownTaskSamplesPerRound) rows of one known shop, \(drift), \
            \(p.testSamplesPerTask) test rows/task, label noise \(p.labelNoise)
            """
    }

    public func bayesClass(features: [Float], attributes: [String], round: Int) -> Int? {
        guard let shop = shops.first(where: { $0.attributes == attributes }) else { return nil }
        let score = Self.score(of: features.map(Double.init), shop: function(of: shop, inRound: round))
        return NoisyBand.mostLikely(score: score, halfWidth: Self.band, stddev: parameters.demandNoise).rawValue
    }
}
