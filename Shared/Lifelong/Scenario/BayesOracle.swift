import Glibc
import FoundationEssentials

/// The most likely band of a score observed with Gaussian noise: what a generator's Bayes
/// classifier answers when it knows the noise-free score. Both generators label a row by
/// where its noisy score falls against a symmetric band (and then replace a share of labels
/// uniformly at random, which leaves the most likely class unchanged).
enum NoisyBand: Int, Sendable {
    case below, within, above

    /// The band with the highest probability for `score` plus N(0, `stddev`) noise, against
    /// the band [−`halfWidth`, `halfWidth`].
    static func mostLikely(score: Double, halfWidth: Double, stddev: Double) -> NoisyBand {
        guard stddev > 0 else { return score > halfWidth ? .above : (score < -halfWidth ? .below : .within) }
        func cdf(_ value: Double) -> Double { 0.5 * erfc(-value / (stddev * 2.0.squareRoot())) }
        let below = cdf(-halfWidth - score)
        let above = 1 - cdf(halfWidth - score)
        let within = 1 - below - above
        if within >= below, within >= above { return .within }
        return above > below ? .above : .below
    }
}
