/// What the benchmark and the CLI need from any generator.
extension ShopDemandScenario: GeneratedScenario {
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
}
