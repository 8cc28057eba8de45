/// Turns rows into the standardised inputs of a linear model: one input per numeric feature,
/// one per category of each categorical feature (one-hot), each centred by its training mean
/// and divided by its training standard deviation (1 when constant). A missing value (NaN,
/// either kind) becomes the mean, i.e. a standardised 0, so it adds nothing to the score.
struct LinearInputEncoder: Sendable, Hashable {
    /// Per feature: its first input and, for categorical features, its category count.
    let firstInput: [Int]
    let categoryCounts: [Int?]
    let means: [Float]
    let scales: [Float]

    var width: Int { means.count }

    /// The input layout of an encoding (without fitted statistics).
    static func layout(of encoding: FeatureEncoding) -> (firstInput: [Int], categoryCounts: [Int?], width: Int) {
        var first: [Int] = [], counts: [Int?] = [], width = 0
        for feature in encoding.features {
            first.append(width)
            let count = feature.categories?.count
            counts.append(count)
            width += count ?? 1
        }
        return (first, counts, width)
    }

    init(encoding: FeatureEncoding, means: [Float], scales: [Float]) throws {
        let layout = Self.layout(of: encoding)
        guard means.count == layout.width, scales.count == layout.width else {
            throw LearningError(
                .corruptModel, "a linear model over this encoding needs \(layout.width) means and scales, got \(means.count) and \(scales.count)")
        }
        guard means.allSatisfy(\.isFinite), scales.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw LearningError(.corruptModel, "means must be finite and scales finite and positive")
        }
        firstInput = layout.firstInput
        categoryCounts = layout.categoryCounts
        self.means = means
        self.scales = scales
    }

    /// Fits means and scales on a training table.
    init(fitting table: Table) {
        let layout = Self.layout(of: table.encoding)
        var means = [Float](repeating: 0, count: layout.width)
        var scales = [Float](repeating: 1, count: layout.width)
        for (feature, column) in table.columns.enumerated() {
            let first = layout.firstInput[feature]
            if let count = layout.categoryCounts[feature] {
                var frequencies = [Double](repeating: 0, count: count)
                var present = 0.0
                for value in column where !value.isNaN {
                    frequencies[Int(value)] += 1
                    present += 1
                }
                for category in 0..<count {
                    let p = present > 0 ? frequencies[category] / present : 0
                    means[first + category] = Float(p)
                    let deviation = (p * (1 - p)).squareRoot()
                    scales[first + category] = deviation > 1e-12 ? Float(deviation) : 1
                }
            } else {
                var sum = 0.0, squares = 0.0, present = 0.0
                for value in column where !value.isNaN {
                    sum += Double(value)
                    squares += Double(value) * Double(value)
                    present += 1
                }
                let mean = present > 0 ? sum / present : 0
                let variance = present > 0 ? max(0, squares / present - mean * mean) : 0
                means[first] = Float(mean)
                let deviation = variance.squareRoot()
                scales[first] = deviation > 1e-12 * max(1, abs(mean)) ? Float(deviation) : 1
            }
        }
        firstInput = layout.firstInput
        categoryCounts = layout.categoryCounts
        self.means = means
        self.scales = scales
    }

    /// Writes the standardised inputs of one row (`width` values).
    @inline(__always)
    func encode(row: UnsafePointer<Float>, into inputs: UnsafeMutablePointer<Float>) {
        for feature in 0..<firstInput.count {
            let first = firstInput[feature]
            let value = row[feature]
            if let count = categoryCounts[feature] {
                if value.isNaN {
                    for category in 0..<count { inputs[first + category] = 0 }
                } else {
                    let code = Int(value)
                    for category in 0..<count {
                        let raw: Float = category == code ? 1 : 0
                        inputs[first + category] = (raw - means[first + category]) / scales[first + category]
                    }
                }
            } else {
                inputs[first] = value.isNaN ? 0 : (value - means[first]) / scales[first]
            }
        }
    }

    /// The standardised design matrix of a table, row-major (`rows × width`).
    func designMatrix(of table: Table) -> [Float] {
        table.mapRows(outputWidth: width) { row, output in encode(row: row, into: output) }
    }
}

extension Table {
    /// `outputWidth` values per row, row-major, each row's written by `body` from the row's
    /// features.
    func mapRows(outputWidth: Int, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        let featureCount = self.featureCount
        var result = [Float](repeating: 0, count: rowCount * outputWidth)
        let features = rowMajorFeatures()
        features.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                for row in 0..<rowCount {
                    body(rows.baseAddress! + row * featureCount, output.baseAddress! + row * outputWidth)
                }
            }
        }
        return result
    }
}
