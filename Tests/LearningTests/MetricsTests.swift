import LifelongLearning
import Testing

@Suite("Metrics")
struct MetricsTests {
    @Test("classification metrics match hand-computed values")
    func classification() throws {
        // Confusion (rows actual, columns predicted): [[2,1,0],[0,1,1],[1,0,2]].
        let labels = [0, 0, 0, 1, 1, 2, 2, 2]
        let predicted = [0, 0, 1, 1, 2, 0, 2, 2]
        let metrics = try ClassificationMetrics(labels: labels, predicted: predicted, classCount: 3)
        #expect(metrics.confusion[0, 0] == 2 && metrics.confusion[0, 1] == 1 && metrics.confusion[2, 0] == 1)
        #expect(metrics.accuracy == 5.0 / 8.0)
        #expect(metrics.precision == [2.0 / 3.0, 1.0 / 2.0, 2.0 / 3.0])
        #expect(metrics.recall == [2.0 / 3.0, 1.0 / 2.0, 2.0 / 3.0])
        #expect(abs(metrics.macroF1 - (2.0 / 3.0 + 0.5 + 2.0 / 3.0) / 3) < 1e-12)
        #expect(metrics.microPrecision == 5.0 / 8.0 && metrics.microRecall == 5.0 / 8.0)
        #expect(abs(metrics.microF1 - 5.0 / 8.0) < 1e-12)
        #expect(metrics.logLoss == nil)
    }

    @Test("precision and F1 of a class never predicted are 0")
    func neverPredicted() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1, 1], predicted: [0, 0, 0], classCount: 2)
        #expect(metrics.precision[1] == 0 && metrics.recall[1] == 0 && metrics.f1[1] == 0)
        #expect(metrics.precision[0] == 1.0 / 3.0)
    }

    @Test("log loss from probabilities")
    func logLoss() throws {
        let metrics = try ClassificationMetrics(labels: [0, 1], probabilities: [0.8, 0.2, 0.4, 0.6], classCount: 2)
        #expect(abs(metrics.logLoss! - (-(log(0.8) + log(0.6)) / 2)) < 1e-6)
        #expect(metrics.accuracy == 1)
    }

    @Test("labels outside the classes and mismatched lengths fail")
    func invalid() {
        #expect(learningError { _ = try ClassificationMetrics(labels: [0, 3], predicted: [0, 1], classCount: 2) }?.code == .invalidLabel)
        #expect(learningError { _ = try ClassificationMetrics(labels: [0], predicted: [0, 1], classCount: 2) }?.code == .shapeMismatch)
        #expect(learningError { _ = try ClassificationMetrics(labels: [], predicted: [], classCount: 2) }?.code == .shapeMismatch)
        #expect(learningError { _ = try ClassificationMetrics(labels: [0], probabilities: [0.5], classCount: 2) }?.code == .shapeMismatch)
        #expect(learningError { _ = try RegressionMetrics(targets: [1, 2], predictions: [1]) }?.code == .shapeMismatch)
        #expect(learningError { _ = try RegressionMetrics(targets: [1, .nan], predictions: [1, 2]) }?.code == .invalidValue)
    }

    @Test("regression metrics match hand-computed values")
    func regression() throws {
        let metrics = try RegressionMetrics(targets: [1, 2, 3, 4], predictions: [1, 3, 2, 4])
        #expect(abs(metrics.rmse - (0.5).squareRoot()) < 1e-12)
        #expect(metrics.mae == 0.5)
        #expect(abs(metrics.r2 - (1 - 2.0 / 5.0)) < 1e-12)
        #expect(try RegressionMetrics(targets: [2, 2], predictions: [2, 2]).r2 == 1)
    }
}

import Foundation
