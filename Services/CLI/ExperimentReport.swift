import Foundation
import LifelongCore

/// Formats an experiment's results, with the data and settings it ran on, as tables or JSON.
struct ExperimentReport {
    /// What the experiment measured.
    var result: LifelongExperiment.Result
    /// The files as read (names, skipped rows, reading options).
    var files: ExperimentFiles
    /// Whether the first file is the initial data (otherwise files alternate train, test).
    var hasInitial: Bool
    /// The learner's settings.
    var configuration: LifelongConfiguration

    func text() -> String {
        var lines: [String] = []
        for method in result.methods {
            let matrix = method.matrix
            lines.append("== \(method.name)")
            lines.append("accuracy matrix (row i: model after round i; column j: test set j)")
            lines.append(Self.pad("", 8) + (1...matrix.rounds).map { Self.pad("test\($0)", 8, left: true) }.joined())
            for (i, row) in matrix.values.enumerated() {
                lines.append(Self.pad("M[\(i)]", 8) + row.map { String(format: "%8.4f", $0) }.joined())
            }
            if matrix.hasEarlierRounds {
                lines.append(String(format: "BWT %+.4f  FWT %+.4f  forgetting %+.4f  (GEM; Ianvs BWT %+.4f, FWT %+.4f)",
                                    matrix.backwardTransfer, matrix.forwardTransfer, matrix.forgetting,
                                    matrix.ianvsBackwardTransfer, matrix.ianvsForwardTransfer))
            } else {
                lines.append(String(format: "BWT n/a  FWT n/a  forgetting n/a  (one round; Ianvs BWT %+.4f, FWT %+.4f)",
                                    matrix.ianvsBackwardTransfer, matrix.ianvsForwardTransfer))
            }
            lines.append(String(format: "task average accuracy %.4f  average accuracy %.4f  at learning %.4f",
                                method.taskAverageAccuracy, method.averageAccuracy, method.learningAccuracy))
            lines.append("")
        }
        if !result.detection.isEmpty {
            lines.append("unseen-task detection on each round's rows before learning them")
            for (kind, quality) in result.detection.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                lines.append("  " + Self.pad(kind.rawValue, 13) + String(format: " precision %.3f  recall %.3f  false-positive rate %.3f",
                                    quality.precision, quality.recall, quality.falsePositiveRate))
            }
        }
        for update in result.updates { lines.append("update \(update.round): " + update.summary) }
        lines.append("skipped rows without a label: \(files.skippedRowCount)"
            + (files.skippedRowCount == 0 ? "" : " (" + files.files.filter { !$0.skippedLines.isEmpty }
                .map { "\($0.name): \($0.skippedLines.count)" }.joined(separator: ", ") + ")"))
        return lines.joined(separator: "\n")
    }

    /// A Float as the Double of its shortest decimal form (0.1, not 0.10000000149).
    static func decimal(_ value: Float) -> Double { Double("\(value)") ?? Double(value) }

    static func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return left ? fill + text : text + fill
    }

    func json() -> String {
        var methods: [String: Any] = [:]
        for method in result.methods {
            let matrix = method.matrix
            /// GEM's measures are not defined for one round.
            func gem(_ value: Double) -> Any { matrix.hasEarlierRounds ? value : NSNull() }
            methods[method.name] = [
                "avg_accuracy": method.averageAccuracy,
                "task_avg_accuracy": method.taskAverageAccuracy,
                "learning_accuracy": method.learningAccuracy,
                "bwt": gem(matrix.backwardTransfer),
                "fwt": gem(matrix.forwardTransfer),
                "forgetting": gem(matrix.forgetting),
                "ianvs_bwt": matrix.ianvsBackwardTransfer,
                "ianvs_fwt": matrix.ianvsForwardTransfer,
                "per_task_accuracy": method.perTaskAccuracy,
                "matrix": matrix.values,
                "final_correct": method.finalCorrect.map { $0 ? 1 : 0 },
                "learning_correct": method.learningCorrect.map { $0 ? 1 : 0 },
            ] as [String: Any]
        }
        var detection: [String: Any] = [:]
        for (kind, quality) in result.detection {
            detection[kind.rawValue] = ["precision": quality.precision, "recall": quality.recall,
                                        "false_positive_rate": quality.falsePositiveRate]
        }
        let object: [String: Any] = ["methods": methods, "detection": detection, "configuration": configurationObject()]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}"
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The data and learner settings the experiment ran with.
    func configurationObject() -> [String: Any] {
        let options = files.options
        var fileObjects: [[String: Any]] = []
        for (index, file) in files.files.enumerated() {
            let position = index - (hasInitial ? 1 : 0)
            let role = position < 0 ? "initial" : position.isMultiple(of: 2) ? "train" : "test"
            fileObjects.append([
                "path": file.name, "role": role, "round": position < 0 ? 0 : position / 2 + 1,
                "rows": file.set.rowCount, "skipped_rows": file.skippedLines.count,
            ])
        }
        let model = configuration.model
        var definition: [String: Any] = ["kind": "attributes"]
        if case .clusters(let range) = configuration.definition {
            definition = ["kind": "clusters", "min_clusters": range.lowerBound, "max_clusters": range.upperBound]
        }
        return [
            "label": options.label,
            "attributes": options.attributes,
            "attributes_as_features": options.attributesAsFeatures,
            "ignored_columns": options.ignoredColumns,
            "empty_attribute_value": LabelledSet.emptyAttributeValue,
            "files": fileObjects,
            "skipped_rows": files.skippedRowCount,
            "task_definition": definition,
            "model": [
                "rounds": model.rounds, "max_depth": model.maxDepth, "learning_rate": Self.decimal(model.learningRate),
                "row_subsample": Self.decimal(model.rowSubsample), "column_subsample": Self.decimal(model.columnSubsample),
                "min_child_weight": Self.decimal(model.minChildWeight), "l2_lambda": Self.decimal(model.l2Lambda),
                "gamma": Self.decimal(model.gamma), "max_bins": model.maxBins, "seed": model.seed,
            ] as [String: Any],
            "min_task_size": configuration.minTaskSize,
            "tunes_prior": configuration.tunesPrior,
            "bag_size": configuration.bagSize,
            "target_false_positive_rate": configuration.targetFalsePositiveRate,
            "calibration_fraction": configuration.calibrationFraction,
            "min_calibration_rows": configuration.minCalibrationRows,
            "confidence_detector": configuration.confidenceDetectorEnabled,
            "distribution_detector": configuration.distributionDetectorEnabled,
            "seed": configuration.seed,
        ]
    }
}
