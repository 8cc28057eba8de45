import LifelongLearning

/// What the benchmark and the CLI need from any generator.
extension ThermalComfortScenario: GeneratedScenario {
    /// Sites keep their comfort function in every round, so `functionRound` changes nothing.
    public func extraTest(tasks: [String], functionRound: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        var random = SeededGenerator(seed: seed)
        var builder = ScenarioRowBuilder(attributeNames: Self.attributeNames)
        for task in tasks {
            let match = sites.lazy.flatMap { site in (0..<parameters.seasons).lazy.map { (site, $0) } }
                .first { LabelledSet.key([$0.0.name, Self.seasonNames[$0.1]]) == task }
            guard let (site, season) = match else {
                throw LifelongError(.invalidParameter, "the scenario has no task '\(task)'", field: "tasks")
            }
            for _ in 0..<samplesPerTask { builder.add(Self.sample(site: site, season: season, parameters: parameters, random: &random)) }
        }
        return try builder.build(encoding: encoding)
    }

    public var kind: ScenarioKind { parameters.taskSpread == 0 ? .thermalAlike : .thermal }
    public var attributeNames: [String] { Self.attributeNames }
    public var newTaskSamplesPerTask: Int { parameters.newSiteSamplesPerTask }
    public var summary: String {
        let p = parameters
        return """
            thermal-comfort scenario seed \(p.seed), \(p.initialSites) initial sites x \(p.seasons) seasons \
            (\(p.initialSamplesPerTask) rows/task), \(p.rounds) rounds x \(p.newSitesPerRound) new sites \
            (\(p.newSiteSamplesPerTask) labelled rows/task) + \(p.knownTaskSamplesPerRound) rows of one known task, \
            \(p.testSamplesPerTask) test rows/task, label noise \(p.labelNoise)\(p.taskSpread == 1 ? "" : ", task spread \(p.taskSpread)")
            """
    }

    public func bayesClass(features: [Float], attributes: [String], round: Int) -> Int? {
        guard attributes.count == 2, let site = sites.first(where: { $0.name == attributes[0] }),
            let season = Self.seasonNames.firstIndex(of: attributes[1])
        else { return nil }
        let score = Self.comfortScore(features.map(Double.init), site: site, season: season, parameters: parameters)
        switch NoisyBand.mostLikely(score: score, halfWidth: site.band, stddev: parameters.sensationNoise) {
        case .above: return 0
        case .within: return 1
        case .below: return 2
        }
    }
}
