import Glibc
import FoundationEssentials
public import LifelongLearning

/// Per-feature mean and spread of a set of rows: a diagonal-Gaussian summary used to compare
/// task distributions, to standardize features, and by the distribution detector.
public struct FeatureStatistics: Sendable, Hashable {
    /// Number of rows summarised.
    public var count: Int
    /// Per-feature mean (missing values skipped; 0 for an all-missing feature).
    public var mean: [Double]
    /// Per-feature standard deviation, at least `FeatureStatistics.minimumStddev`.
    public var stddev: [Double]
    /// Per-feature minimum.
    public var min: [Double]
    /// Per-feature maximum.
    public var max: [Double]

    /// The smallest standard deviation kept, so constant features do not divide by zero.
    public static let minimumStddev = 1e-6

    /// Creates a summary from its parts.
    public init(count: Int, mean: [Double], stddev: [Double], min: [Double], max: [Double]) {
        self.count = count
        self.mean = mean
        self.stddev = stddev
        self.min = min
        self.max = max
    }

    /// Summarises the given rows of a table (all rows when `rows` is nil).
    public init(table: Table, rows: [Int]? = nil) {
        let selected = rows ?? Array(0..<table.rowCount)
        var mean: [Double] = [], stddev: [Double] = [], low: [Double] = [], high: [Double] = []
        for column in table.columns {
            var sum = 0.0, squares = 0.0, n = 0.0
            var lo = Double.infinity, hi = -Double.infinity
            for row in selected {
                let value = Double(column[row])
                if value.isNaN { continue }
                sum += value
                squares += value * value
                n += 1
                lo = Swift.min(lo, value)
                hi = Swift.max(hi, value)
            }
            let m = n > 0 ? sum / n : 0
            let variance = n > 1 ? Swift.max(0, (squares - n * m * m) / (n - 1)) : 0
            mean.append(m)
            stddev.append(Swift.max(variance.squareRoot(), Self.minimumStddev))
            low.append(n > 0 ? lo : 0)
            high.append(n > 0 ? hi : 0)
        }
        self.init(count: selected.count, mean: mean, stddev: stddev, min: low, max: high)
    }

    /// Bhattacharyya distance between the diagonal Gaussians of two summaries, after dividing
    /// every feature by `scale` (the global standard deviations), so features in different units
    /// weigh alike. Symmetric, 0 for identical summaries.
    public func bhattacharyyaDistance(to other: FeatureStatistics, scale: [Double]) -> Double {
        var distance = 0.0
        for f in mean.indices {
            let s = Swift.max(scale[f], Self.minimumStddev)
            let v1 = Swift.max(stddev[f] / s, 1e-3), v2 = Swift.max(other.stddev[f] / s, 1e-3)
            let var1 = v1 * v1, var2 = v2 * v2
            let pooled = (var1 + var2) / 2
            let delta = (mean[f] - other.mean[f]) / s
            distance += delta * delta / (8 * pooled) + 0.5 * Glibc.log(pooled / (v1 * v2))
        }
        return distance
    }

    /// Mean squared z-score of a row against this summary (NaN features skipped): how far
    /// the row lies from the summarised data, in its own standard deviations.
    public func meanSquaredZ(_ row: [Float]) -> Double {
        row.withUnsafeBufferPointer { meanSquaredZ($0) }
    }

    /// `meanSquaredZ` of a row in caller-owned storage (no allocation).
    public func meanSquaredZ(_ row: UnsafeBufferPointer<Float>) -> Double {
        var total = 0.0, n = 0.0
        for f in mean.indices {
            let value = Double(row[f])
            if value.isNaN { continue }
            let z = (value - mean[f]) / Swift.max(stddev[f], Self.minimumStddev)
            total += z * z
            n += 1
        }
        return n > 0 ? total / n : 0
    }

    /// The row standardized with this summary (missing values become 0, the mean).
    public func standardize(_ row: [Float]) -> [Double] {
        mean.indices.map { f in
            let value = Double(row[f])
            return value.isNaN ? 0 : (value - mean[f]) / Swift.max(stddev[f], Self.minimumStddev)
        }
    }
}
