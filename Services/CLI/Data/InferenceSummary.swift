import LifelongClient

/// What `lifelong infer` prints: totals, accuracy when labelled, and a table per task.
struct InferenceSummary {
    let samples: [Lifelong_V1_Sample]
    let predictions: [Lifelong_V1_Prediction]
    let classes: [String]

    /// Per task: samples, unseen, fallback, labelled, correct.
    struct TaskCounts {
        var samples = 0, unseen = 0, fallback = 0, labelled = 0, correct = 0

        mutating func add(_ sample: Lifelong_V1_Sample, _ prediction: Lifelong_V1_Prediction) {
            samples += 1
            if prediction.unseen { unseen += 1 }
            if prediction.fallback { fallback += 1 }
            if let label = sample.label, label.present {
                labelled += 1
                if label.classIndex == prediction.classIndex { correct += 1 }
            }
        }
    }

    func text(file: String, node: Endpoint) -> String {
        var total = TaskCounts()
        var byTask: [String: TaskCounts] = [:]
        var versions: [Int64: Int] = [:]
        for (sample, prediction) in zip(samples, predictions) {
            total.add(sample, prediction)
            byTask[prediction.taskName, default: TaskCounts()].add(sample, prediction)
            versions[prediction.snapshotVersion, default: 0] += 1
        }
        var lines = ["\(total.samples) samples of \(file) inferred by the edge node at \(node)"]
        if total.labelled > 0 {
            lines.append("accuracy \(Formatting.decimal(Double(total.correct) / Double(total.labelled))) on \(total.labelled) labelled samples")
        }
        lines.append("flagged unseen: \(total.unseen) (\(Self.percent(total.unseen, of: total.samples))); answered by a fallback: \(total.fallback)")
        lines.append("snapshot versions: " + versions.keys.sorted().map { "v\($0) \(versions[$0]!)" }.joined(separator: ", "))
        var table = TextTable(["task", "samples", "unseen", "fallback", "accuracy"])
        for name in byTask.keys.sorted() {
            let counts = byTask[name]!
            let accuracy = counts.labelled > 0 ? Formatting.decimal(Double(counts.correct) / Double(counts.labelled)) : "-"
            table.add([name.isEmpty ? "(none)" : name, "\(counts.samples)", "\(counts.unseen)", "\(counts.fallback)", accuracy])
        }
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "0%" : Formatting.decimal(100 * Double(part) / Double(whole), places: 1) + "%"
    }
}
