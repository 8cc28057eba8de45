import Foundation
import LifelongClient

/// The SVG plot of `lifelong report --svg`, drawn here without a library: accuracy (y, 0–1)
/// per round (x, labelled with the snapshot version of each row) as one line per test set of
/// the main method, the other methods' mean accuracy per round as dashed lines, axes with ticks
/// and grid lines, and a legend.
struct AccuracyPlot {
    /// One line of the plot.
    struct Series {
        var name: String
        /// One value per round; NaN leaves a gap.
        var values: [Double]
        var dashed: Bool
    }

    /// The plot's title.
    var title: String
    /// Tick labels of the rounds, in order.
    var roundLabels: [String]
    /// The lines.
    var series: [Series]

    /// Canvas size in pixels.
    static let width = 760
    static let height = 440
    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// The plot of a report: the method named `method` (or the first) per test set, the others averaged.
    init(report: Lifelong_V1_Report, method name: String?) throws {
        guard let main = report.methods.first(where: { $0.method == name }) ?? (name == nil ? report.methods.first : nil) else {
            let known = report.methods.map(\.method).joined(separator: ", ")
            throw CLIFailure(.local, "the report has no method '\(name ?? "")' (it has: \(known.isEmpty ? "none" : known))")
        }
        let rows = main.matrix?.rows ?? []
        title = "Job \(report.jobId) — accuracy per round (\(main.method))"
        roundLabels = rows.indices.map { index in
            main.rowVersions.indices.contains(index) ? "\(index) · v\(main.rowVersions[index])" : "\(index)"
        }
        series = (main.matrix?.testSets ?? []).enumerated().map { column, testSet in
            Series(name: testSet, values: rows.map { $0.accuracy.indices.contains(column) ? $0.accuracy[column] : .nan }, dashed: false)
        }
        for other in report.methods where other.method != main.method {
            let means = (other.matrix?.rows ?? []).map { row in row.accuracy.isEmpty ? Double.nan : row.accuracy.reduce(0, +) / Double(row.accuracy.count) }
            series.append(Series(name: "\(other.method) (mean)", values: means, dashed: true))
        }
    }

    /// The SVG document.
    func svg() -> String {
        let width = Double(Self.width), height = Double(Self.height)
        let left = 64.0, right = 200.0, top = 48.0, bottom = 64.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let rounds = max(roundLabels.count, series.map(\.values.count).max() ?? 0)
        func x(_ round: Int) -> Double { rounds <= 1 ? left + plotWidth / 2 : left + plotWidth * Double(round) / Double(rounds - 1) }
        func y(_ accuracy: Double) -> Double { top + plotHeight * (1 - min(1, max(0, accuracy))) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var svg: [String] = [
            ##"<?xml version="1.0" encoding="UTF-8"?>"##,
            ##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Self.width)" height="\##(Self.height)" viewBox="0 0 \##(Self.width) \##(Self.height)" font-family="sans-serif" font-size="12">"##,
            ##"<rect x="0" y="0" width="\##(Self.width)" height="\##(Self.height)" fill="white"/>"##,
            ##"<text x="\##(number(width / 2))" y="24" text-anchor="middle" font-size="15">\##(Self.escaped(title))</text>"##,
        ]
        // Grid and y ticks every 0.1, labelled every 0.2.
        for step in 0...10 {
            let value = Double(step) / 10, position = number(y(value))
            svg.append(##"<line x1="\##(number(left))" y1="\##(position)" x2="\##(number(left + plotWidth))" y2="\##(position)" stroke="#e5e5e5"/>"##)
            svg.append(##"<line x1="\##(number(left - 5))" y1="\##(position)" x2="\##(number(left))" y2="\##(position)" stroke="black"/>"##)
            if step.isMultiple(of: 2) {
                svg.append(##"<text x="\##(number(left - 8))" y="\##(number(y(value) + 4))" text-anchor="end">\##(String(format: "%.1f", value))</text>"##)
            }
        }
        // x ticks, one per round.
        for round in 0..<rounds {
            let position = number(x(round))
            svg.append(##"<line x1="\##(position)" y1="\##(number(top + plotHeight))" x2="\##(position)" y2="\##(number(top + plotHeight + 5))" stroke="black"/>"##)
            let label = roundLabels.indices.contains(round) ? roundLabels[round] : "\(round)"
            svg.append(##"<text x="\##(position)" y="\##(number(top + plotHeight + 20))" text-anchor="middle">\##(Self.escaped(label))</text>"##)
        }
        // Axes and their titles.
        svg.append(##"<line x1="\##(number(left))" y1="\##(number(top))" x2="\##(number(left))" y2="\##(number(top + plotHeight))" stroke="black"/>"##)
        svg.append(##"<line x1="\##(number(left))" y1="\##(number(top + plotHeight))" x2="\##(number(left + plotWidth))" y2="\##(number(top + plotHeight))" stroke="black"/>"##)
        svg.append(##"<text x="\##(number(left + plotWidth / 2))" y="\##(number(height - 16))" text-anchor="middle">round · snapshot version</text>"##)
        svg.append(##"<text x="18" y="\##(number(top + plotHeight / 2))" text-anchor="middle" transform="rotate(-90 18 \##(number(top + plotHeight / 2)))">accuracy</text>"##)
        // The lines: a path of segments between present values, a dot on each value.
        for (index, line) in series.enumerated() {
            let color = Self.palette[index % Self.palette.count]
            var path = "", pen = false
            for (round, value) in line.values.enumerated() {
                guard value.isFinite else { pen = false; continue }
                path += "\(pen ? "L" : "M")\(number(x(round))),\(number(y(value))) "
                pen = true
            }
            let dash = line.dashed ? ##" stroke-dasharray="6 4""## : ""
            svg.append(##"<path d="\##(path.trimmingCharacters(in: .whitespaces))" fill="none" stroke="\##(color)" stroke-width="2"\##(dash)/>"##)
            for (round, value) in line.values.enumerated() where value.isFinite {
                svg.append(##"<circle cx="\##(number(x(round)))" cy="\##(number(y(value)))" r="3" fill="\##(color)"/>"##)
            }
            // Legend entry.
            let legendY = top + 8 + Double(index) * 20, legendX = left + plotWidth + 20
            svg.append(##"<line x1="\##(number(legendX))" y1="\##(number(legendY))" x2="\##(number(legendX + 24))" y2="\##(number(legendY))" stroke="\##(color)" stroke-width="2"\##(dash)/>"##)
            svg.append(##"<text x="\##(number(legendX + 30))" y="\##(number(legendY + 4))">\##(Self.escaped(line.name))</text>"##)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// Text made safe for XML character data and attribute values.
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
