import LifelongCore
import Testing

@Suite("Lifelong metrics")
struct MetricsTests {
    @Test("BWT and FWT follow the Ianvs formulas")
    func transfer() throws {
        let m = try AccuracyMatrix([[0.5, 0.4], [0.8, 0.5], [0.7, 0.9]])
        // BWT = ((0.8-0.5) + (0.5-0.4) + (0.7-0.8) + (0.9-0.5)) / 4
        #expect(abs(m.backwardTransfer - 0.175) < 1e-12)
        // FWT = ((0.8-0.5) + (0.9-0.4)) / 2
        #expect(abs(m.forwardTransfer - 0.4) < 1e-12)
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
}
