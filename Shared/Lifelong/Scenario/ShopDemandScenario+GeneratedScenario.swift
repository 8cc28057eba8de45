/// What the benchmark and the CLI need from any generator.
extension ShopDemandScenario: GeneratedScenario {
    public func extraTest(newTasksOfRound round: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try extraTest(shopsOfRound: round, functionRound: round, samplesPerTask: samplesPerTask, seed: seed)
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
