import Foundation
import LifelongCore

/// Formats experiment results as tables or JSON.
enum ExperimentReport {
    static func text(_ result: LifelongExperiment.Result) -> String {
        var lines: [String] = []
        for method in result.methods {
            lines.append("== \(method.name)")
            let rounds = method.matrix.rounds
            lines.append("accuracy matrix (row i: model after round i; column j: test set j)")
            lines.append(pad("", 8) + (1...rounds).map { pad("test\($0)", 8, left: true) }.joined())
            for (i, row) in method.matrix.values.enumerated() {
                lines.append(pad("M[\(i)]", 8) + row.map { String(format: "%8.4f", $0) }.joined())
            }
            lines.append(String(format: "BWT %+.4f  FWT %+.4f  task average accuracy %.4f  average accuracy %.4f",
                                method.backwardTransfer, method.forwardTransfer, method.taskAverageAccuracy, method.averageAccuracy))
            lines.append("")
        }
        if !result.detection.isEmpty {
            lines.append("unseen-task detection on each round's rows before learning them")
            for (kind, quality) in result.detection.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                lines.append("  " + pad(kind.rawValue, 13) + String(format: " precision %.3f  recall %.3f  false-positive rate %.3f",
                                    quality.precision, quality.recall, quality.falsePositiveRate))
            }
        }
        for update in result.updates {
            lines.append("update \(update.round): \(update.created.count) created, \(update.retrained.count) retrained, \(update.untouched.count) untouched")
        }
        return lines.joined(separator: "\n")
    }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + fill
    }

    static func json(_ result: LifelongExperiment.Result) -> String {
        var methods: [String: Any] = [:]
        for method in result.methods {
            methods[method.name] = [
                "avg_accuracy": method.averageAccuracy,
                "task_avg_accuracy": method.taskAverageAccuracy,
                "bwt": method.backwardTransfer,
                "fwt": method.forwardTransfer,
                "matrix": method.matrix.values,
            ] as [String: Any]
        }
        var detection: [String: Any] = [:]
        for (kind, quality) in result.detection {
            detection[kind.rawValue] = ["precision": quality.precision, "recall": quality.recall,
                                        "false_positive_rate": quality.falsePositiveRate]
        }
        let object: [String: Any] = ["methods": methods, "detection": detection]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
