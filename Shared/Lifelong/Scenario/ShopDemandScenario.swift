import Glibc
import FoundationEssentials
public import LifelongLearning

/// A seeded retail-demand scenario: shops of several formats in several regions report, per
/// product line and day, whether demand was low, normal or high for that shop.
///
/// A shop is one format × region pair, and a task is a shop (two attribute columns, `format`
/// and `region`). Features are mixed: price, discount and outdoor temperature (numeric), weekday
/// and product family (categorical). The demand score of a row is
/// `offset + base[format][family] + weekday[format][day] − elasticity·ln(price / reference)
///  + response·discount·[price ≥ 2.5] + 0.12·max(0, temperature − 20)·[family = drinks]
///  − centre[format] + noise`,
/// where `reference` = the family's reference price × the format's price level, `offset` = the
/// region's shift + the shop's own offset, `centre` the format's mean score (so that the classes
/// are relative to what is typical for the format), and `elasticity` and `response` are the format's,
/// scaled per shop by U[0.85, 1.15]. Score < −0.5 → "low", > 0.5 → "high", else "normal"; then a
/// share `labelNoise` of labels is redrawn uniformly. Shops of one format share most of their
/// function (the region shifts it), so tasks are related; the interactions (a discount counts
/// only above a price, the weekday profile depends on the format, heat sells only drinks) are
/// axis-aligned, unlike the thermal scenario's smooth one-dimensional boundary. In
/// `driftRound` one initial shop's function changes (offset + `driftOffset`, elasticity and
/// discount response × `driftSensitivity`): its rows from then on follow the new function.
public struct ShopDemandScenario: Sendable {
    /// The feature columns, in order.
    public static let featureNames = ["price", "discount", "temperature", "weekday", "product_family"]
    /// The attribute columns that define tasks.
    public static let attributeNames = ["format", "region"]
    /// The label column.
    public static let labelName = "demand"
    /// The classes, in code order.
    public static let classNames = ["low", "normal", "high"]
    /// Store formats, in order (`ShopDemandParameters.formats` takes the first ones).
    public static let formatNames = ["kiosk", "convenience", "supermarket", "hypermarket"]
    /// Regions, in order (`ShopDemandParameters.regions` takes the first ones).
    public static let regionNames = ["north", "south", "east", "west", "centre"]
    /// Categories of the `weekday` feature, in code order.
    public static let weekdayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    /// Categories of the `product_family` feature, in code order.
    public static let familyNames = ["fresh", "drinks", "household", "snacks"]

    /// One generated shop and its demand function.
    public struct Shop: Sendable, Hashable {
        /// Index into `formatNames`.
        public var format: Int
        /// Index into `regionNames`.
        public var region: Int
        /// The round the shop appears in (0 = initial data).
        public var round: Int
        /// Demand-score offset (region shift + the shop's own).
        public var offset: Double
        /// Price elasticity of the demand score (per unit of log price).
        public var elasticity: Double
        /// Demand-score gain per unit of discount, for prices of at least 2.5.
        public var discountResponse: Double

        /// The attribute values: format and region names.
        public var attributes: [String] { [ShopDemandScenario.formatNames[format], ShopDemandScenario.regionNames[region]] }
        /// The task key, e.g. `kiosk_north`.
        public var key: String { LabelledSet.key(attributes) }
    }

    /// The parameters used.
    public let parameters: ShopDemandParameters
    /// Every shop with its function before any drift, initial ones first.
    public let shops: [Shop]
    /// The task key of the shop whose function changes in `parameters.driftRound`, nil without drift.
    public let driftedTask: String?
    /// Round 0 (the initial data) and each following round.
    public let rounds: [ScenarioRound]
    /// The feature encoding every round shares.
    public let encoding: FeatureEncoding

    // Per format (kiosk, convenience, supermarket, hypermarket).
    static let priceLevel = [1.25, 1.10, 1.00, 0.92]
    static let elasticity = [0.6, 0.9, 1.4, 1.8]
    static let discountResponse = [1.0, 2.0, 3.0, 3.5]
    static let promotionShare = [0.10, 0.20, 0.30, 0.35]
    /// The format's mean score before centring (over its family mix, weekdays, prices,
    /// promotions, in a 12–17 °C region), so that "normal" is what is typical for the format.
    static let centre = [0.55, 0.36, 0.21, 0.17]
    /// Per format, per family (fresh, drinks, household, snacks).
    static let familyBase = [[-0.7, 0.5, -0.9, 0.6], [0.0, 0.3, -0.4, 0.3], [0.3, 0.0, 0.0, -0.1], [0.1, 0.1, 0.5, -0.2]]
    static let familyMix = [[0.10, 0.45, 0.05, 0.40], [0.25, 0.30, 0.15, 0.30], [0.35, 0.20, 0.20, 0.25], [0.30, 0.20, 0.30, 0.20]]
    /// Per format, per weekday (mon … sun): commuters at kiosks, the Saturday shop at hypermarkets.
    static let weekdayEffect = [
        [0.4, 0.4, 0.4, 0.4, 0.5, -0.3, -0.8], [0.1, 0.1, 0.1, 0.2, 0.5, 0.3, -0.2],
        [-0.3, -0.3, -0.2, 0.0, 0.5, 0.8, -0.6], [-0.6, -0.5, -0.5, -0.3, 0.4, 1.1, -0.9],
    ]
    /// Per family.
    static let referencePrice = [3.0, 1.5, 6.0, 2.5]
    /// Per region: mean outdoor temperature, °C.
    static let regionTemperature = [12.0, 24.0, 17.0, 15.0, 18.0]
    /// A discount moves demand only from this shelf price on (cents off cheap items do not).
    static let discountPriceThreshold = 2.5
    /// Half-width of the "normal" band of the demand score.
    static let band = 0.5

    /// Generates the scenario.
    /// - Throws: `LifelongError.invalidParameter` for parameters out of range.
    public init(parameters: ShopDemandParameters = ShopDemandParameters()) throws {
        try parameters.validate()
        self.parameters = parameters
        var random = SeededGenerator(seed: parameters.seed)
        let classes = try LifelongError.wrapping("class encoding") { try CategoricalEncoding(categories: Self.classNames) }
        let weekdays = try LifelongError.wrapping("weekday encoding") { try CategoricalEncoding(categories: Self.weekdayNames) }
        let families = try LifelongError.wrapping("family encoding") { try CategoricalEncoding(categories: Self.familyNames) }
        encoding = FeatureEncoding(
            features: [
                FeatureColumn(name: "price", kind: .numeric), FeatureColumn(name: "discount", kind: .numeric),
                FeatureColumn(name: "temperature", kind: .numeric),
                FeatureColumn(name: "weekday", kind: .categorical(weekdays)),
                FeatureColumn(name: "product_family", kind: .categorical(families)),
            ],
            labelName: Self.labelName, label: .classification(classes: classes))

        // Distinct format × region pairs in a seeded order: the first are the initial shops.
        var pairs = (0..<parameters.formats).flatMap { format in (0..<parameters.regions).map { (format, $0) } }
        pairs.shuffle(using: &random)
        let regions = parameters.regions
        var shops: [Shop] = []
        for (index, (format, region)) in pairs.prefix(parameters.initialShops + parameters.rounds * parameters.newShopsPerRound).enumerated() {
            let round = index < parameters.initialShops ? 0 : 1 + (index - parameters.initialShops) / parameters.newShopsPerRound
            let regionShift = regions == 1 ? 0 : parameters.regionShiftSpread * (2 * Double(region) / Double(regions - 1) - 1)
            shops.append(
                Shop(
                    format: format, region: region, round: round,
                    offset: regionShift + random.normal(mean: 0, stddev: parameters.shopOffsetStddev),
                    elasticity: Self.elasticity[format] * (0.85 + 0.3 * random.unit()),
                    discountResponse: Self.discountResponse[format] * (0.85 + 0.3 * random.unit())))
        }
        self.shops = shops
        let initial = shops.filter { $0.round == 0 }
        let drifted = parameters.driftRound > 0 ? initial[Int(random.next() % UInt64(initial.count))] : nil
        driftedTask = drifted?.key
        // The known shops that get more rows in rounds without drift: every initial shop but the drifted one.
        let stable = initial.count > 1 ? initial.filter { $0.key != drifted?.key } : initial

        var generated: [ScenarioRound] = []
        for round in 0...parameters.rounds {
            var tasks: [(Shop, Int)] = []  // (shop, training rows)
            var newTasks: [String] = [], updatedTasks: [String] = []
            for shop in shops where shop.round == round {
                tasks.append((shop, round == 0 ? parameters.initialSamplesPerTask : parameters.newShopSamplesPerTask))
                newTasks.append(shop.key)
            }
            if round > 0, parameters.knownTaskSamplesPerRound > 0 {
                let shop = round == parameters.driftRound ? drifted! : stable[(round - 1) % stable.count]
                tasks.append((shop, parameters.knownTaskSamplesPerRound))
                updatedTasks.append(shop.key)
            }
            var train = ScenarioRowBuilder(attributeNames: Self.attributeNames)
            var test = ScenarioRowBuilder(attributeNames: Self.attributeNames)
            for (shop, count) in tasks {
                let function = Self.function(of: shop, inRound: round, driftedTask: drifted?.key, parameters: parameters)
                for _ in 0..<count { train.add(Self.sample(shop: function, parameters: parameters, random: &random)) }
            }
            for (shop, _) in tasks {
                let function = Self.function(of: shop, inRound: round, driftedTask: drifted?.key, parameters: parameters)
                for _ in 0..<parameters.testSamplesPerTask {
                    test.add(Self.sample(shop: function, parameters: parameters, random: &random))
                }
            }
            generated.append(
                ScenarioRound(
                    index: round, train: try train.build(encoding: encoding), test: try test.build(encoding: encoding),
                    newTasks: newTasks, updatedTasks: updatedTasks))
        }
        rounds = generated
    }

    /// A shop's demand function in a round: the drifted shop's changed function from
    /// `driftRound` on, otherwise the shop as generated.
    public func function(of shop: Shop, inRound round: Int) -> Shop {
        Self.function(of: shop, inRound: round, driftedTask: driftedTask, parameters: parameters)
    }

    static func function(of shop: Shop, inRound round: Int, driftedTask: String?, parameters: ShopDemandParameters) -> Shop {
        guard shop.key == driftedTask, round >= parameters.driftRound else { return shop }
        var changed = shop
        changed.offset += parameters.driftOffset
        changed.elasticity *= parameters.driftSensitivity
        changed.discountResponse *= parameters.driftSensitivity
        return changed
    }

    /// Held-out test rows of the shops of a round, under their functions in `functionRound`
    /// (fresh draws from `seed`), e.g. to check old shops after later rounds.
    /// - Parameters:
    ///   - round: Shops that appear in this round.
    ///   - functionRound: The round whose functions label the rows (drift applies from `driftRound`).
    ///   - samplesPerTask: Rows per shop.
    ///   - seed: Seed of the draws.
    public func extraTest(shopsOfRound round: Int, functionRound: Int, samplesPerTask: Int, seed: UInt64) throws -> LabelledSet {
        try extraTest(
            tasks: shops.filter { $0.round == round }.map(\.key), functionRound: functionRound, samplesPerTask: samplesPerTask, seed: seed)
    }

    /// The class a shop's function gives a row without noise (score against the band).
    /// - Parameters:
    ///   - features: One row in `featureNames` order (categories as codes).
    ///   - shop: The shop's function (see `function(of:inRound:)`).
    public static func noiselessClass(of features: [Float], shop: Shop) -> Int {
        classOf(score: score(of: features.map(Double.init), shop: shop))
    }

    /// The demand score of a row without noise.
    static func score(of features: [Double], shop: Shop) -> Double {
        let (price, discount, temperature) = (features[0], features[1], features[2])
        let (weekday, family) = (Int(features[3]), Int(features[4]))
        let reference = referencePrice[family] * priceLevel[shop.format]
        var score = shop.offset + familyBase[shop.format][family] + weekdayEffect[shop.format][weekday] - centre[shop.format]
        score -= shop.elasticity * Glibc.log(price / reference)
        if price >= discountPriceThreshold { score += shop.discountResponse * discount }
        if family == 1 { score += 0.12 * max(0, temperature - 20) }
        return score
    }

    static func classOf(score: Double) -> Int { score < -band ? 0 : (score > band ? 2 : 1) }

    /// One labelled row of a shop under the given function.
    static func sample(shop: Shop, parameters: ShopDemandParameters, random: inout SeededGenerator) -> ScenarioRowBuilder.Sample {
        let weekday = Int(random.next() % 7)
        var family = 0
        var draw = random.unit()
        for (index, share) in familyMix[shop.format].enumerated() {
            family = index
            draw -= share
            if draw < 0 { break }
        }
        let reference = referencePrice[family] * priceLevel[shop.format]
        let price = ((reference * Glibc.exp(random.normal(mean: 0, stddev: 0.35))) * 100).rounded() / 100
        let discount = random.unit() < promotionShare[shop.format] ? Double(1 + random.next() % 4) / 10 : 0
        let temperature = (random.normal(mean: regionTemperature[shop.region], stddev: 6) * 10).rounded() / 10
        let features = [price, discount, temperature, Double(weekday), Double(family)]
        var label = classOf(score: score(of: features, shop: shop) + random.normal(mean: 0, stddev: parameters.demandNoise))
        if random.unit() < parameters.labelNoise { label = Int(random.next() % 3) }
        return (features.map { Float($0) }, shop.attributes, label)
    }
}
