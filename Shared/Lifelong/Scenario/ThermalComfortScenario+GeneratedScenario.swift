/// What the benchmark and the CLI need from any generator.
extension ThermalComfortScenario: GeneratedScenario {
    public var kind: ScenarioKind { .thermal }
    public var attributeNames: [String] { Self.attributeNames }
    public var newTaskSamplesPerTask: Int { parameters.newSiteSamplesPerTask }
    public var summary: String {
        let p = parameters
        return """
            thermal-comfort scenario seed \(p.seed), \(p.initialSites) initial sites x \(p.seasons) seasons \
            (\(p.initialSamplesPerTask) rows/task), \(p.rounds) rounds x \(p.newSitesPerRound) new sites \
            (\(p.newSiteSamplesPerTask) labelled rows/task) + \(p.knownTaskSamplesPerRound) rows of one known task, \
            \(p.testSamplesPerTask) test rows/task, label noise \(p.labelNoise)
            """
    }
}
