/// Parameters of the thermal-comfort scenario generator. Defaults give the "default
/// scenario" the tests and the benchmark use; every field is documented in docs/lifelong.md.
public struct ScenarioParameters: Sendable, Hashable {
    /// Seed of every random draw; equal parameters give equal data.
    public var seed: UInt64 = 42
    /// Climate zones. Sites of one zone share a comfort offset and similar indoor conditions,
    /// which is what makes tasks related. 1…8.
    public var climateZones: Int = 3
    /// Sites present in the initial data.
    public var initialSites: Int = 6
    /// Rounds after the initial data (each brings new sites).
    public var rounds: Int = 2
    /// New sites appearing in each round.
    public var newSitesPerRound: Int = 2
    /// Seasons; each site × season is one task. 1…2 ("summer", "winter").
    public var seasons: Int = 2
    /// Labelled training rows per task of the initial sites.
    public var initialSamplesPerTask: Int = 300
    /// Labelled training rows per task of a new site (few, as at a freshly equipped site).
    public var newSiteSamplesPerTask: Int = 30
    /// Extra labelled rows per round for one already-known task (exercises retraining); 0 for none.
    public var knownTaskSamplesPerRound: Int = 60
    /// Held-out test rows per task.
    public var testSamplesPerTask: Int = 200
    /// Probability that a label is replaced by a uniformly drawn class.
    public var labelNoise: Double = 0.08
    /// Standard deviation of the per-person noise added to the comfort score.
    public var sensationNoise: Double = 0.25
    /// Spread of the neutral temperature between climate zones, in °C (zones sit evenly in
    /// ±spread).
    public var zoneOffsetSpread: Double = 2.5
    /// Standard deviation of a site's own neutral-temperature offset within its zone, in °C.
    public var siteOffsetStddev: Double = 0.6
    /// Neutral-temperature shift between summer (+) and winter (−), in °C.
    public var seasonOffset: Double = 1.2
    /// Scales every difference between tasks' comfort functions: zone and site offsets, the
    /// spread of slopes and bands, the season offset and the seasons' clothing references.
    /// 1: the default scenario; 0: every site and season shares one function, and tasks differ
    /// only in their indoor conditions (`ScenarioKind.thermalAlike`). In [0, 1].
    public var taskSpread: Double = 1

    /// The default scenario.
    public init() {}

    /// `value`, a task's draw of a quantity whose tasks' mean is `centre`, with its departure
    /// from the mean scaled by `taskSpread` (unchanged at 1).
    func spread(_ value: Double, around centre: Double) -> Double {
        taskSpread == 1 ? value : centre + taskSpread * (value - centre)
    }

    /// Checks every parameter's range.
    /// - Throws: `LifelongError.invalidParameter` naming the parameter.
    public func validate() throws {
        func check(_ condition: Bool, _ field: String, _ expectation: String) throws {
            if !condition { throw LifelongError(.invalidParameter, "\(field) must be \(expectation)", field: field) }
        }
        try check((1...8).contains(climateZones), "climateZones", "in 1...8")
        try check((1...1000).contains(initialSites), "initialSites", "in 1...1000")
        try check((0...100).contains(rounds), "rounds", "in 0...100")
        try check((0...1000).contains(newSitesPerRound), "newSitesPerRound", "in 0...1000")
        try check((1...2).contains(seasons), "seasons", "1 or 2")
        try check((2...1_000_000).contains(initialSamplesPerTask), "initialSamplesPerTask", "in 2...1000000")
        try check((2...1_000_000).contains(newSiteSamplesPerTask), "newSiteSamplesPerTask", "in 2...1000000")
        try check((0...1_000_000).contains(knownTaskSamplesPerRound), "knownTaskSamplesPerRound", "in 0...1000000")
        try check((1...1_000_000).contains(testSamplesPerTask), "testSamplesPerTask", "in 1...1000000")
        try check((0...1).contains(labelNoise), "labelNoise", "in [0, 1]")
        try check(sensationNoise >= 0 && sensationNoise.isFinite, "sensationNoise", "finite and >= 0")
        try check(zoneOffsetSpread >= 0 && zoneOffsetSpread.isFinite, "zoneOffsetSpread", "finite and >= 0")
        try check(siteOffsetStddev >= 0 && siteOffsetStddev.isFinite, "siteOffsetStddev", "finite and >= 0")
        try check(seasonOffset.isFinite, "seasonOffset", "finite")
        try check((0...1).contains(taskSpread), "taskSpread", "in [0, 1]")
    }
}
