@testable import LifelongLearning
import Testing

@Suite("Feature binning: the radix sort of quantile edges")
struct FeatureBinningSortTests {
    /// The order `quantileEdges` relied on before: ascending, equal values (-0 and +0 too) in
    /// their original order.
    static func stableOrder(_ values: [Float]) -> [Float] {
        values.enumerated().sorted { $0.element == $1.element ? $0.offset < $1.offset : $0.element < $1.element }
            .map(\.element)
    }

    @Test("same values, same order, same zero signs as a stable sort", arguments: [0, 1, 2, 7, 300, 5000])
    func matchesStableSort(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count) + 7)
        let specials: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                                 .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        var values: [Float] = []
        for _ in 0..<count {
            switch generator.nextUnitDouble() {
            case ..<0.3: values.append(specials[Int(generator.nextUnitDouble() * Double(specials.count))])
            case ..<0.6: values.append(Float(Int(generator.nextUnitDouble() * 20) - 10))
            default: values.append(Float(generator.nextUnitDouble() * 2e6 - 1e6))
            }
        }
        var sorted = values
        FeatureBinning.sortStably(&sorted)
        #expect(sorted.map(\.bitPattern) == Self.stableOrder(values).map(\.bitPattern))
    }
}
