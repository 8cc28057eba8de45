import LifelongCore
import Testing

@Suite("Lifelong metrics")
struct MetricsTests {
    /// Rows: model before round 1, after round 1, 2, 3; columns: test sets of rounds 1, 2, 3.
    /// Round 1 is forgotten at the end (0.90 right after it, 0.95 after round 2, 0.60 at the
    /// end); round 2 a little (0.80 → 0.75).
    static let forgetful: [[Double]] = [
        [0.30, 0.20, 0.10],
        [0.90, 0.25, 0.15],
        [0.95, 0.80, 0.50],
        [0.60, 0.75, 0.85],
    ]

    @Test("GEM BWT, FWT and forgetting on a matrix that forgets; Ianvs's BWT hides it")
    func forgettingMatrix() throws {
        let m = try AccuracyMatrix(Self.forgetful)
        // BWT = ((M[3][1] − M[1][1]) + (M[3][2] − M[2][2])) / 2 = ((0.60 − 0.90) + (0.75 − 0.80)) / 2
        #expect(abs(m.backwardTransfer - -0.175) < 1e-12)
        // FWT = ((M[1][2] − M[0][2]) + (M[2][3] − M[0][3])) / 2 = ((0.25 − 0.20) + (0.50 − 0.10)) / 2
        #expect(abs(m.forwardTransfer - 0.225) < 1e-12)
        // forgetting = ((max(0.90, 0.95) − 0.60) + (max(0.80) − 0.75)) / 2 = (0.35 + 0.05) / 2
        #expect(abs(m.forgetting - 0.20) < 1e-12)
        // Ianvs BWT telescopes to (final − row 0) / R²: (0.30 + 0.55 + 0.75) / 9 > 0 although
        // round 1 lost 0.30.
        #expect(abs(m.ianvsBackwardTransfer - 1.60 / 9) < 1e-12)
        // Ianvs FWT = ((0.90 − 0.30) + (0.80 − 0.20) + (0.85 − 0.10)) / 3
        #expect(abs(m.ianvsForwardTransfer - 0.65) < 1e-12)
    }

    @Test("learning new rounds that improves old test sets is backward transfer, but only the change after learning them")
    func improvingMatrix() throws {
        let m = try AccuracyMatrix([[0.50, 0.40], [0.80, 0.55], [0.85, 0.90]])
        // BWT = M[2][1] − M[1][1] = 0.85 − 0.80: round 2 helped round 1's test set by 0.05.
        #expect(abs(m.backwardTransfer - 0.05) < 1e-12)
        // Ianvs counts learning itself: ((0.85 − 0.50) + (0.90 − 0.40)) / 4 = 0.2125.
        #expect(abs(m.ianvsBackwardTransfer - 0.2125) < 1e-12)
        // FWT = M[1][2] − M[0][2] = 0.55 − 0.40: round 1 helped round 2 before it was learned.
        #expect(abs(m.forwardTransfer - 0.15) < 1e-12)
        // Ianvs FWT = ((0.80 − 0.50) + (0.90 − 0.40)) / 2
        #expect(abs(m.ianvsForwardTransfer - 0.40) < 1e-12)
        // forgetting = max(0.80) − 0.85: round 1 ended above its best, so negative.
        #expect(abs(m.forgetting - -0.05) < 1e-12)
    }

    @Test("learning accuracy: each round's test set right after it was learned, weighted by its rows")
    func learningAccuracy() throws {
        let m = try AccuracyMatrix(Self.forgetful)
        // Diagonal M[1][1], M[2][2], M[3][3] = 0.90, 0.80, 0.85 with 100, 300, 600 rows.
        #expect(abs(try m.learningAccuracy(testRows: [100, 300, 600]) - (90 + 240 + 510) / 1000.0) < 1e-12)
        // Equal rows: the plain mean of the diagonal; the final row's mean is lower by the forgetting.
        #expect(abs(try m.learningAccuracy(testRows: [5, 5, 5]) - 2.55 / 3) < 1e-12)
        // A round without test rows does not count.
        #expect(abs(try m.learningAccuracy(testRows: [0, 1, 1]) - 0.825) < 1e-12)
        // A method that never changes what it learned: at learning = final, row-weighted.
        let frozen = try AccuracyMatrix([[0.5, 0.4], [0.8, 0.4], [0.8, 0.9]])
        #expect(abs(try frozen.learningAccuracy(testRows: [200, 100]) - (0.8 * 200 + 0.9 * 100) / 300) < 1e-12)
        for counts in [[100, 300], [1, -1, 1], [0, 0, 0]] {
            #expect(throws: LifelongError.self) { try m.learningAccuracy(testRows: counts) }
        }
    }

    @Test("a matrix that forgets round 1 after round 2: GEM and Ianvs disagree in sign")
    func signs() throws {
        let m = try AccuracyMatrix([[0.5, 0.4], [0.8, 0.5], [0.7, 0.9]])
        // GEM: BWT = 0.7 − 0.8; FWT = 0.5 − 0.4; forgetting = 0.8 − 0.7.
        #expect(abs(m.backwardTransfer - -0.1) < 1e-12)
        #expect(abs(m.forwardTransfer - 0.1) < 1e-12)
        #expect(abs(m.forgetting - 0.1) < 1e-12)
        // Ianvs: BWT = ((0.8−0.5) + (0.5−0.4) + (0.7−0.8) + (0.9−0.5)) / 4; FWT = ((0.8−0.5) + (0.9−0.4)) / 2.
        #expect(abs(m.ianvsBackwardTransfer - 0.175) < 1e-12)
        #expect(abs(m.ianvsForwardTransfer - 0.4) < 1e-12)
    }

    @Test("one round: no earlier round, so BWT, FWT and forgetting are 0; Ianvs's are not")
    func oneRound() throws {
        let m = try AccuracyMatrix([[0.3], [0.8]])
        #expect(!m.hasEarlierRounds)
        #expect(m.backwardTransfer == 0)
        #expect(m.forwardTransfer == 0)
        #expect(m.forgetting == 0)
        #expect(abs(m.ianvsBackwardTransfer - 0.5) < 1e-12)
        #expect(abs(m.ianvsForwardTransfer - 0.5) < 1e-12)
        #expect(try AccuracyMatrix(Self.forgetful).hasEarlierRounds)
    }

    @Test("a model that never changes has no transfer and no forgetting")
    func constant() throws {
        let m = try AccuracyMatrix([[0.6, 0.7, 0.8], [0.6, 0.7, 0.8], [0.6, 0.7, 0.8], [0.6, 0.7, 0.8]])
        #expect(m.backwardTransfer == 0)
        #expect(m.forwardTransfer == 0)
        #expect(m.forgetting == 0)
        #expect(m.ianvsBackwardTransfer == 0)
    }

    @Test("a matrix without R + 1 rows of R values is rejected")
    func shape() {
        #expect(throws: LifelongError.self) { try AccuracyMatrix([[0.5, 0.4], [0.8, 0.5]]) }
        #expect(throws: LifelongError.self) { try AccuracyMatrix([]) }
        #expect(throws: LifelongError.self) { try AccuracyMatrix([[0.5], [0.1, 0.2]]) }
    }

    @Test("task average accuracy weighs tasks equally; samples transfer ratio")
    func others() {
        let perTask = LifelongMetrics.perTaskAccuracy(
            keys: ["a", "a", "a", "a", "b"], predicted: [1, 1, 1, 0, 1], labels: [1, 1, 1, 1, 0])
        #expect(perTask == ["a": 0.75, "b": 0])
        #expect(LifelongMetrics.taskAverageAccuracy(perTask) == 0.375)
        #expect(LifelongMetrics.taskAverageAccuracy([:]) == 0)
        #expect(LifelongMetrics.samplesTransferRatio(uploaded: 25, inferred: 100) == 0.25)
        #expect(LifelongMetrics.samplesTransferRatio(uploaded: 0, inferred: 0) == 0)
    }

    @Test("the paired accuracy difference of two methods on the same rows, and its standard error, by hand")
    func pairedDifference() throws {
        // A right on rows 0–3, B on rows 0, 1 and 4: differences 0, 0, 1, 1, −1.
        let a = [true, true, true, true, false], b = [true, true, false, false, true]
        let paired = try #require(LifelongMetrics.pairedAccuracyDifference(a, b))
        // Mean 1/5; Σ(d − 0.2)² = 0.04 + 0.04 + 0.64 + 0.64 + 1.44 = 2.8; variance 2.8 / 4 = 0.7;
        // standard error √(0.7 / 5).
        #expect(abs(paired.difference - 0.2) < 1e-12)
        #expect(abs(paired.standardError - (0.7 / 5).squareRoot()) < 1e-12)
        // Identical answers: no difference and no uncertainty about it.
        let same = try #require(LifelongMetrics.pairedAccuracyDifference(a, a))
        #expect(same.difference == 0 && same.standardError == 0)
        #expect(LifelongMetrics.pairedAccuracyDifference(a, [true]) == nil)
        #expect(LifelongMetrics.pairedAccuracyDifference([true], [false]) == nil)
    }

    @Test("the paired accuracy ratio of two methods on the same rows, and its delta-method standard error, by hand")
    func pairedRatio() throws {
        // A right on rows 0 and 1, B on rows 0, 1, 2 and 3: ratio 2/4.
        let a = [true, true, false, false], b = [true, true, true, true]
        let paired = try #require(LifelongMetrics.pairedAccuracyRatio(a, b))
        #expect(abs(paired.ratio - 0.5) < 1e-12)
        // Influences (a − 0.5 b) / mean(b) = (0.5, 0.5, −0.5, −0.5) / 1: mean 0, Σu² = 1, variance
        // 1/3, standard error √(1/3 / 4).
        #expect(abs(paired.standardError - (1.0 / 12).squareRoot()) < 1e-12)
        #expect(LifelongMetrics.pairedAccuracyRatio(a, a).map { $0.ratio == 1 && $0.standardError == 0 } == true)
        #expect(LifelongMetrics.pairedAccuracyRatio(a, [false, false, false, false]) == nil)
        #expect(LifelongMetrics.pairedAccuracyRatio(a, [true]) == nil)
    }
}
