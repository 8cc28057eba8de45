/// Parameters of the shop-demand scenario generator (`ShopDemandScenario`). Defaults give the
/// default shop scenario of the benchmark; every field is documented in docs/lifelong.md.
public struct ShopDemandParameters: Sendable, Hashable {
    /// Seed of every random draw; equal parameters give equal data.
    public var seed: UInt64 = 42
    /// Store formats in use, the first of kiosk, convenience, supermarket, hypermarket. 1…4.
    public var formats: Int = 4
    /// Regions in use, the first of north, south, east, west, centre. 1…5.
    public var regions: Int = 4
    /// Shops (distinct format × region pairs) present in the initial data.
    public var initialShops: Int = 8
    /// Rounds after the initial data (each brings new shops).
    public var rounds: Int = 3
    /// New shops appearing in each round.
    public var newShopsPerRound: Int = 2
    /// Labelled training rows per initial shop.
    public var initialSamplesPerTask: Int = 300
    /// Labelled training rows of a new shop (a few weeks of one freshly opened shop).
    public var newShopSamplesPerTask: Int = 40
    /// Extra labelled rows per round of one known shop (in the drift round: the drifted shop's
    /// rows under its new function); 0 for none.
    public var knownTaskSamplesPerRound: Int = 80
    /// Held-out test rows per task.
    public var testSamplesPerTask: Int = 200
    /// Probability that a label is replaced by a uniformly drawn class.
    public var labelNoise: Double = 0.05
    /// Standard deviation of the noise added to the demand score.
    public var demandNoise: Double = 0.35
    /// Demand-score shift between regions: regions sit evenly in ±spread.
    public var regionShiftSpread: Double = 0.5
    /// Standard deviation of a shop's own demand-score offset.
    public var shopOffsetStddev: Double = 0.2
    /// The round in which one initial shop's demand function changes (its rows from then on
    /// follow the new function); 0 for no drift. 0…rounds.
    public var driftRound: Int = 2
    /// Demand-score shift of the drifted shop (negative: a competitor opened nearby).
    public var driftOffset: Double = -0.8
    /// Factor on the drifted shop's price elasticity and discount response (> 1: customers
    /// now compare prices).
    public var driftSensitivity: Double = 1.5

    /// The default shop scenario.
    public init() {}

    /// Checks every parameter's range.
    /// - Throws: `LifelongError.invalidParameter` naming the parameter.
    public func validate() throws {
        func check(_ condition: Bool, _ field: String, _ expectation: String) throws {
            if !condition { throw LifelongError(.invalidParameter, "\(field) must be \(expectation)", field: field) }
        }
        try check((1...ShopDemandScenario.formatNames.count).contains(formats), "formats", "in 1...4")
        try check((1...ShopDemandScenario.regionNames.count).contains(regions), "regions", "in 1...5")
        try check((0...100).contains(rounds), "rounds", "in 0...100")
        try check((0...20).contains(newShopsPerRound), "newShopsPerRound", "in 0...20")
        try check(initialShops >= 1, "initialShops", "at least 1")
        try check(
            initialShops + rounds * newShopsPerRound <= formats * regions, "initialShops",
            "at most formats x regions (\(formats * regions)) together with rounds x newShopsPerRound")
        try check((2...1_000_000).contains(initialSamplesPerTask), "initialSamplesPerTask", "in 2...1000000")
        try check((2...1_000_000).contains(newShopSamplesPerTask), "newShopSamplesPerTask", "in 2...1000000")
        try check((0...1_000_000).contains(knownTaskSamplesPerRound), "knownTaskSamplesPerRound", "in 0...1000000")
        try check((1...1_000_000).contains(testSamplesPerTask), "testSamplesPerTask", "in 1...1000000")
        try check((0...1).contains(labelNoise), "labelNoise", "in [0, 1]")
        try check(demandNoise >= 0 && demandNoise.isFinite, "demandNoise", "finite and >= 0")
        try check(regionShiftSpread >= 0 && regionShiftSpread.isFinite, "regionShiftSpread", "finite and >= 0")
        try check(shopOffsetStddev >= 0 && shopOffsetStddev.isFinite, "shopOffsetStddev", "finite and >= 0")
        try check((0...rounds).contains(driftRound), "driftRound", "in 0...rounds")
        try check(driftRound == 0 || knownTaskSamplesPerRound > 0, "driftRound", "0 when knownTaskSamplesPerRound is 0")
        try check(driftOffset.isFinite, "driftOffset", "finite")
        try check(driftSensitivity > 0 && driftSensitivity.isFinite, "driftSensitivity", "finite and > 0")
    }
}
