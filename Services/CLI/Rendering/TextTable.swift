import Foundation

/// A table for the terminal: a header, rows, columns padded to their widest cell (numbers
/// right-aligned), separated by two spaces.
struct TextTable {
    /// Column titles.
    var header: [String]
    /// The rows; each as long as `header`.
    var rows: [[String]] = []

    /// Creates an empty table with these column titles.
    init(_ header: [String]) {
        self.header = header
    }

    /// Adds a row.
    mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The table as lines (no trailing spaces). An empty table prints its header and `(none)`.
    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        let numeric = header.indices.map { column in
            !rows.isEmpty && rows.allSatisfy { row in
                let cell = row.indices.contains(column) ? row[column] : ""
                return cell.isEmpty || cell == "-" || Double(cell.replacingOccurrences(of: "%", with: "")) != nil
            }
        }
        var lines = all.map { row in
            header.indices.map { column -> String in
                let cell = row.indices.contains(column) ? row[column] : ""
                let fill = String(repeating: " ", count: widths[column] - cell.count)
                return numeric[column] ? fill + cell : cell + fill
            }.joined(separator: "  ")
        }.map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }
        if rows.isEmpty { lines.append("(none)") }
        return lines.joined(separator: "\n")
    }
}
