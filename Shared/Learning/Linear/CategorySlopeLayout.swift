/// Where a logistic regression's category slopes sit in its training's parameter vector
/// (``LogisticRegression/Parameters/categorySlopeFeatures``): per slope feature, per category,
/// per output, one offset for each input that is not a slope feature's own (a category's
/// offsets to its own or another slope feature's one-hot inputs would be an intercept per
/// combination of categories, which the shared weights already give per category).
struct CategorySlopeLayout: Sendable {
    /// The slope features' indices, in the order named.
    let features: [Int]
    /// The inputs the slopes apply to.
    let inputs: [Int]
    /// The first slope parameter and one past the last.
    let firstParameter: Int
    let parameterCount: Int
    /// Per slope feature: the first parameter of its block.
    private let starts: [Int]
    /// Per slope feature, per row: its category, or -1 when missing.
    private let categories: [[Int32]]
    /// Per slope feature: its category count.
    private let categoryCounts: [Int]
    private let scoreCount: Int

    /// - Throws: `LearningError.invalidParameter` naming a feature that is not a categorical
    ///   feature of the table, or named twice.
    init(features names: [String], table: Table, encoder: LinearInputEncoder, scoreCount: Int, firstParameter: Int) throws {
        let position = Dictionary(uniqueKeysWithValues: table.encoding.features.enumerated().map { ($1.name, $0) })
        var features: [Int] = []
        for name in names {
            guard let feature = position[name], encoder.categoryCounts[feature] != nil, !features.contains(feature) else {
                throw LearningError(
                    .invalidParameter, "category slopes need distinct categorical features of the table; '\(name)' is not one",
                    field: "categorySlopeFeatures")
            }
            features.append(feature)
        }
        let slopeInputs = Set(features.flatMap { encoder.firstInput[$0]..<(encoder.firstInput[$0] + encoder.categoryCounts[$0]!) })
        inputs = (0..<encoder.width).filter { !slopeInputs.contains($0) }
        var starts: [Int] = []
        var next = firstParameter
        for feature in features {
            starts.append(next)
            next += encoder.categoryCounts[feature]! * scoreCount * inputs.count
        }
        self.features = features
        self.firstParameter = firstParameter
        self.starts = starts
        parameterCount = next
        categories = features.map { feature in table.columns[feature].map { $0.isNaN ? -1 : Int32($0) } }
        categoryCounts = features.map { encoder.categoryCounts[$0]! }
        self.scoreCount = scoreCount
    }

    /// Calls `body` with the first parameter of each slope block that applies to `row`'s
    /// score `output` (one per slope feature whose value the row has).
    @inline(__always)
    func forEachBlock(row: Int, output: Int, _ body: (Int) -> Void) {
        for slope in features.indices {
            let category = Int(categories[slope][row])
            if category >= 0 { body(starts[slope] + (category * scoreCount + output) * inputs.count) }
        }
    }

    /// Slope feature `slope`'s offsets from the trained parameters, over every input
    /// (`categoryCount × scoreCount × width`, 0 on the inputs slopes do not apply to), as
    /// ``LinearScorer`` takes them.
    func offsets(ofSlope slope: Int, in theta: [Double], width: Int) -> [Float] {
        let blocks = categoryCounts[slope] * scoreCount
        var offsets = [Float](repeating: 0, count: blocks * width)
        for block in 0..<blocks {
            for (i, input) in inputs.enumerated() {
                offsets[block * width + input] = Float(theta[starts[slope] + block * inputs.count + i])
            }
        }
        return offsets
    }
}
