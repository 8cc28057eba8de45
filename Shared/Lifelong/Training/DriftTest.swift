import Glibc

/// The two tests of ``RoundTraining/outdates(earlierRows:newRows:attributes:prior:categories:)``
/// — whether a known task's function changed — and their level.
enum DriftTest {
    /// The level of each test: the chance that a task whose function did not change has its
    /// earlier rows retired, per test (the conventional 1 %; a retirement without drift
    /// costs the task its earlier rows, a missed drift leaves the task answering by its old
    /// function).
    static let significance = 0.01

    /// Whether the score shift the new rows need differs from the earlier rows' (``ScoreShift``,
    /// a Wald test at ``significance``). Both margin sets must come from the same models, each
    /// row scored by one that did not see it.
    static func levelMoved(newMargins: [[Float]], newLabels: [Int], earlierMargins: [[Float]], earlierLabels: [Int]) -> Bool {
        let new = ScoreShift(margins: newMargins, labels: newLabels)
        let earlier = ScoreShift(margins: earlierMargins, labels: earlierLabels)
        guard let statistic = ScoreShift.waldStatistic(new, earlier) else { return false }
        return chiSquaredSurvival(statistic, degreesOfFreedom: new.parameters.count) < significance
    }

    /// Whether per-row losses without the earlier rows beat those with them by more than the
    /// one-sided ``significance`` quantile of the paired differences' standard error.
    static func fitsBetterWithout(_ losses: [Double], than reference: [Double]) -> Bool {
        TaskPriorTrainer.fitsBetter(losses, than: reference, standardErrors: normalQuantile(1 - significance))
    }

    /// P(X > x) for X χ²-distributed with `k` degrees of freedom (the closed forms for whole k).
    static func chiSquaredSurvival(_ x: Double, degreesOfFreedom k: Int) -> Double {
        guard x > 0 else { return 1 }
        let half = x / 2
        if k % 2 == 0 {
            // e^(−x/2) Σ_{i<k/2} (x/2)^i / i!
            var term = 1.0, sum = 1.0
            for i in stride(from: 1, to: k / 2, by: 1) {
                term *= half / Double(i)
                sum += term
            }
            return Glibc.exp(-half) * sum
        }
        // erfc(√(x/2)) + e^(−x/2) Σ_{i=1}^{(k−1)/2} (x/2)^(i−1/2) / Γ(i + 1/2)
        var term = (half / Double.pi).squareRoot() * 2  // (x/2)^(1/2) / Γ(3/2)
        var sum = 0.0
        for i in stride(from: 1, through: (k - 1) / 2, by: 1) {
            sum += term
            term *= half / (Double(i) + 0.5)
        }
        return Glibc.erfc(half.squareRoot()) + Glibc.exp(-half) * sum
    }

    /// The standard normal quantile of `p` (0 < p < 1), by bisection on erfc.
    static func normalQuantile(_ p: Double) -> Double {
        var (low, high) = (-10.0, 10.0)
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if 0.5 * Glibc.erfc(-middle / 2.0.squareRoot()) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
