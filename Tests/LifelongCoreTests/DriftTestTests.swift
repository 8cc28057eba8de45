import Foundation
@testable import LifelongCore
import Testing

@Suite("the drift tests: the score shift a set of rows needs, and its Wald comparison")
struct DriftTestTests {
    @Test("χ² survival and the normal quantile match the tables")
    func distributions() {
        // 95 % and 99 % points of χ² with 1, 2, 3 and 4 degrees of freedom.
        for (x, k, p) in [(3.841459, 1, 0.05), (6.634897, 1, 0.01), (5.991465, 2, 0.05), (9.210340, 2, 0.01),
                          (11.344867, 3, 0.01), (13.276704, 4, 0.01)] {
            #expect(abs(DriftTest.chiSquaredSurvival(x, degreesOfFreedom: k) - p) < 1e-6, "k = \(k)")
        }
        #expect(DriftTest.chiSquaredSurvival(0, degreesOfFreedom: 3) == 1)
        #expect(abs(DriftTest.normalQuantile(0.99) - 2.326348) < 1e-5)
        #expect(abs(DriftTest.normalQuantile(0.5)) < 1e-9)
    }

    @Test("the shift is the maximum-likelihood one: zero scores and class shares give their log-odds")
    func shiftByHand() {
        // Two classes, one logit of 0, three rows in four positive: the shift is ln 3.
        let binary = ScoreShift(margins: [[Float]](repeating: [0], count: 400), labels: (0..<400).map { $0 % 4 == 0 ? 0 : 1 }, ridge: 0)
        #expect(abs(binary.parameters[0] - Foundation.log(3)) < 1e-6)
        #expect(abs(binary.information[0] - 400 * 0.75 * 0.25) < 1e-6)
        // Three classes with shares 1/2, 1/4, 1/4 under equal scores: each other class −ln 2 from class 0.
        let labels = (0..<400).map { [0, 0, 1, 2][$0 % 4] }
        let three = ScoreShift(margins: [[Float]](repeating: [1, 1, 1], count: 400), labels: labels, ridge: 0)
        #expect(three.parameters.count == 2)
        for shift in three.parameters { #expect(abs(shift + Foundation.log(2)) < 1e-6) }
        // The ridge pulls toward zero and keeps a missing class finite.
        let missing = ScoreShift(margins: [[Float]](repeating: [0, 0, 0], count: 50), labels: [Int](repeating: 0, count: 50))
        #expect(missing.parameters.allSatisfy { $0 < -1 && $0.isFinite })
    }

    @Test("equal shifts are no drift; rows of a lower level against the same scores are")
    func levelMoved() {
        // Scores that say class 1 with probability 0.7 wherever x > 0.
        let margins: [[Float]] = (0..<300).map { [$0 % 2 == 0 ? 0.847 : -0.847] }
        let earlier = (0..<300).map { row in row % 2 == 0 ? (row % 10 < 7 ? 1 : 0) : (row % 10 < 3 ? 1 : 0) }
        #expect(ScoreShift.waldStatistic(ScoreShift(margins: margins, labels: earlier), ScoreShift(margins: margins, labels: earlier)) == 0)
        // 80 new rows of the same function: no drift.
        let same = Array(earlier.prefix(80))
        #expect(!DriftTest.levelMoved(newMargins: Array(margins.prefix(80)), newLabels: same, earlierMargins: margins, earlierLabels: earlier))
        // 80 new rows whose positive share fell from a half to a fifth: drift.
        let lower = (0..<80).map { $0 % 5 == 0 ? 1 : 0 }
        #expect(DriftTest.levelMoved(newMargins: Array(margins.prefix(80)), newLabels: lower, earlierMargins: margins, earlierLabels: earlier))
    }
}
