import Glibc
import FoundationEssentials
import LifelongLearning

/// Seeded draws the generator and the learner share.
extension SeededGenerator {
    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(Double.random(in: 0..<1, using: &self), 1e-12)
        let u2 = Double.random(in: 0..<1, using: &self)
        return (-2 * Glibc.log(u1)).squareRoot() * Glibc.cos(2 * Double.pi * u2)
    }

    /// A normal draw with the given mean and standard deviation.
    mutating func normal(mean: Double, stddev: Double) -> Double {
        mean + stddev * normal()
    }

    /// A uniform draw in [0, 1).
    mutating func unit() -> Double { Double.random(in: 0..<1, using: &self) }
}
