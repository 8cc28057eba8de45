import Glibc
import FoundationEssentials
public import LifelongLearning

/// A seeded thermal-comfort scenario modelled on the ASHRAE Global Thermal Comfort Database
/// II case Sedna uses: sites in climate zones, two seasons, occupants asked whether they
/// want it cooler, no change or warmer.
///
/// Each site × season is a task. The comfort score of a row is
/// `slope · (operative − neutral) + 2.2·(clothing − clo₀) + 1.5·(metabolic − 1.2)
///  − 1.4·√airSpeed·[operative > 24] + 0.015·(humidity − 50)·[operative > 24] + noise`,
/// where `neutral` = 24 °C + zone offset + site offset ± season offset and `slope` and the
/// tolerance band are per site. Score > band → "cooler", < −band → "warmer", else
/// "no change"; then a share `labelNoise` of labels is redrawn uniformly. Indoor conditions
/// follow the zone (hot zones run warmer and more humid), so tasks of one zone are close both
/// in their data and in their comfort boundaries.
public struct ThermalComfortScenario: Sendable {
    /// The feature columns, in order.
    public static let featureNames = [
        "air_temperature", "radiant_temperature", "relative_humidity", "air_speed", "clothing", "metabolic_rate",
    ]
    /// The attribute columns that define tasks.
    public static let attributeNames = ["site", "season"]
    /// The label column.
    public static let labelName = "thermal_preference"
    /// The classes, in code order.
    public static let classNames = ["cooler", "no change", "warmer"]
    /// Season names, in order.
    public static let seasonNames = ["summer", "winter"]

    /// One generated site.
    public struct Site: Sendable, Hashable {
        /// "site-00", …
        public var name: String
        /// Climate zone index.
        public var zone: Int
        /// The round the site appears in (0 = initial data).
        public var round: Int
        /// Neutral-temperature offset (zone + site), °C.
        public var neutralOffset: Double
        /// Sensitivity of the comfort score to temperature, per °C.
        public var slope: Double
        /// Half-width of the "no change" band of the comfort score.
        public var band: Double
    }

    /// The data of one round (the type every generator shares).
    public typealias Round = ScenarioRound

    /// The parameters used.
    public let parameters: ScenarioParameters
    /// Every site, initial ones first.
    public let sites: [Site]
    /// Round 0 (the initial data) and each following round.
    public let rounds: [Round]
    /// The feature encoding every round shares.
    public let encoding: FeatureEncoding

    /// Generates the scenario.
    /// - Throws: `LifelongError.invalidParameter` for parameters out of range.
    public init(parameters: ScenarioParameters = ScenarioParameters()) throws {
        try parameters.validate()
        self.parameters = parameters
        var random = SeededGenerator(seed: parameters.seed)
        let classes = try LifelongError.wrapping("class encoding") { try CategoricalEncoding(categories: Self.classNames) }
        encoding = FeatureEncoding(
            features: Self.featureNames.map { FeatureColumn(name: $0, kind: .numeric) }, labelName: Self.labelName,
            label: .classification(classes: classes))

        let zones = parameters.climateZones
        func zoneOffset(_ zone: Int) -> Double {
            zones == 1 ? 0 : parameters.zoneOffsetSpread * (2 * Double(zone) / Double(zones - 1) - 1)
        }
        var sites: [Site] = []
        func makeSite(round: Int) -> Site {
            let index = sites.count
            let zone = index % zones
            let neutralOffset = zoneOffset(zone) + random.normal(mean: 0, stddev: parameters.siteOffsetStddev)
            let slope = 0.45 + 0.15 * random.unit(), band = 0.6 + 0.4 * random.unit()
            return Site(
                name: "site-" + (index < 10 ? "0" : "") + String(index), zone: zone, round: round,
                neutralOffset: parameters.spread(neutralOffset, around: 0), slope: parameters.spread(slope, around: 0.525),
                band: parameters.spread(band, around: 0.8))
        }
        for _ in 0..<parameters.initialSites { sites.append(makeSite(round: 0)) }
        for round in 1...max(parameters.rounds, 1) where round <= parameters.rounds {
            for _ in 0..<parameters.newSitesPerRound { sites.append(makeSite(round: round)) }
        }
        self.sites = sites

        var generated: [Round] = []
        for round in 0...parameters.rounds {
            var trainRows: [(Site, Int)] = []  // (site, season) with a count below
            var counts: [Int] = []
            var testTasks: [(Site, Int)] = []
            var newTasks: [String] = [], updatedTasks: [String] = []
            for site in sites where site.round == round {
                for season in 0..<parameters.seasons {
                    let count = round == 0 ? parameters.initialSamplesPerTask : parameters.newSiteSamplesPerTask
                    trainRows.append((site, season))
                    counts.append(count)
                    testTasks.append((site, season))
                    newTasks.append(LabelledSet.key([site.name, Self.seasonNames[season]]))
                }
            }
            if round > 0, parameters.knownTaskSamplesPerRound > 0 {
                // One known task gets more data each round, cycling through the initial sites.
                let initial = sites.filter { $0.round == 0 }
                let site = initial[(round - 1) % initial.count]
                let season = (round - 1) / initial.count % parameters.seasons
                trainRows.append((site, season))
                counts.append(parameters.knownTaskSamplesPerRound)
                testTasks.append((site, season))
                updatedTasks.append(LabelledSet.key([site.name, Self.seasonNames[season]]))
            }
            var train = ScenarioRowBuilder(attributeNames: Self.attributeNames)
            for ((site, season), count) in zip(trainRows, counts) {
                for _ in 0..<count { train.add(Self.sample(site: site, season: season, parameters: parameters, random: &random)) }
            }
            var test = ScenarioRowBuilder(attributeNames: Self.attributeNames)
            for (site, season) in testTasks {
                for _ in 0..<parameters.testSamplesPerTask {
                    test.add(Self.sample(site: site, season: season, parameters: parameters, random: &random))
                }
            }
            generated.append(
                Round(
                    index: round, train: try train.build(encoding: encoding), test: try test.build(encoding: encoding),
                    newTasks: newTasks, updatedTasks: updatedTasks))
        }
        rounds = generated
    }

    /// Held-out test rows of the given tasks (fresh draws from the same seed stream family),
    /// for checking accuracy on old tasks after later rounds.
    /// - Parameters:
    ///   - round: Sites that appear in this round.
    ///   - samplesPerTask: Rows per task.
    ///   - seed: Seed of the draws.
    public func extraTest(sitesOfRound round: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        let tasks = sites.filter { $0.round == round }.flatMap { site in
            (0..<parameters.seasons).map { LabelledSet.key([site.name, Self.seasonNames[$0]]) }
        }
        return try extraTest(tasks: tasks, functionRound: round, samplesPerTask: samplesPerTask, seed: seed)
    }

    /// One labelled row of a site and season.
    static func sample(
        site: Site, season: Int, parameters: ScenarioParameters, random: inout SeededGenerator
    ) -> ScenarioRowBuilder.Sample {
        let summer = season == 0
        // Indoor conditions follow the zone's climate and the season.
        let zoneWarmth = Double(site.zone) - Double(parameters.climateZones - 1) / 2
        let air = random.normal(mean: 23.5 + 1.2 * zoneWarmth + (summer ? 1.5 : -1.5), stddev: 2.6)
        let radiant = air + random.normal(mean: summer ? 0.8 : -0.5, stddev: 1.0)
        let humidity = min(95, max(10, random.normal(mean: 48 + 9 * zoneWarmth + (summer ? 6 : -6), stddev: 11)))
        let airSpeed = min(1.5, max(0.02, -Glibc.log(max(random.unit(), 1e-9)) * (summer ? 0.22 : 0.1)))
        let clothing = max(0.25, random.normal(mean: summer ? 0.55 : 0.95, stddev: 0.15))
        let metabolic = max(0.8, min(2.5, random.normal(mean: 1.2, stddev: 0.18)))

        let conditions = [air, radiant, humidity, airSpeed, clothing, metabolic]
        let score = comfortScore(conditions, site: site, season: season, parameters: parameters)
            + random.normal(mean: 0, stddev: parameters.sensationNoise)
        var label = score > site.band ? 0 : (score < -site.band ? 2 : 1)
        if random.unit() < parameters.labelNoise { label = Int(random.next() % 3) }
        let features = conditions.map { Float(($0 * 100).rounded() / 100) }
        return (features, [site.name, seasonNames[season]], label)
    }

    /// The noise-free comfort score of indoor conditions (the features, in order) at a site
    /// and season: positive is warm.
    static func comfortScore(_ conditions: [Double], site: Site, season: Int, parameters: ScenarioParameters) -> Double {
        let (air, radiant, humidity, airSpeed, clothing, metabolic) =
            (conditions[0], conditions[1], conditions[2], conditions[3], conditions[4], conditions[5])
        let summer = season == 0
        let operative = (air + radiant) / 2
        let seasonOffset = parameters.spread(parameters.seasonOffset, around: 0)
        let neutral = 24 + site.neutralOffset + (summer ? seasonOffset : -seasonOffset)
        let clothingReference = parameters.spread(summer ? 0.55 : 0.95, around: 0.75)
        var score = site.slope * (operative - neutral)
        score += 2.2 * (clothing - clothingReference) + 1.5 * (metabolic - 1.2)
        if operative > 24 {
            score -= 1.4 * airSpeed.squareRoot()
            score += 0.015 * (humidity - 50)
        }
        return score
    }
}
