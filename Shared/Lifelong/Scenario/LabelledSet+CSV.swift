public import FoundationEssentials
import LifelongLearning

extension LabelledSet {
    /// The set as CSV text: attribute columns first, then the features, then the label (class
    /// names for classification). Numbers are written so they read back exactly as Floats.
    public func csvText() -> String {
        let encoding = table.encoding
        var lines: [String] = []
        let header = attributeNames + encoding.features.map(\.name) + [encoding.labelName]
        lines.append(header.map(Self.quoted).joined(separator: ","))
        let classes = encoding.classNames
        for row in 0..<rowCount {
            var fields = attributes[row].map(Self.quoted)
            for (index, feature) in encoding.features.enumerated() {
                let value = table.columns[index][row]
                if value.isNaN {
                    fields.append("")
                } else if let categories = feature.categories {
                    fields.append(Self.quoted(categories.categories[Int(value)]))
                } else {
                    fields.append("\(value)")
                }
            }
            let label = table.labels[row]
            fields.append(classes.isEmpty ? "\(label)" : Self.quoted(classes[Int(label)]))
            lines.append(fields.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `csvText()` to a file.
    /// - Throws: The file system's error.
    public func writeCSV(to url: URL) throws {
        try Data(csvText().utf8).write(to: url, options: .atomic)
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacing("\"", with: "\"\"") + "\""
    }
}
