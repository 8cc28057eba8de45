import FoundationEssentials

/// The fields of a CSV input as text, for readers that type the values themselves (the
/// sample files of `lifelong ingest`, `infer` and the gateway's oracle): the same parser as
/// `CSVReader.read`, the same quoting, line and missing-marker rules, no schema.
extension CSVReader {
    /// A CSV input's header and data rows as text.
    public struct Rows: Sendable {
        /// The header's column names, trimmed of spaces.
        public var header: [String]
        /// One entry per data row: one value per header column, nil when missing (empty or one
        /// of `Options.missingMarkers`), otherwise trimmed of spaces and tabs.
        public var values: [[String?]]
        /// The 1-based physical line of each data row.
        public var lines: [Int]

        /// The position of a column in `header`, or nil.
        public func position(of column: String) -> Int? { header.firstIndex(of: column) }
    }

    /// Reads CSV bytes (UTF-8) into text rows, with this reader's delimiter and missing markers.
    /// - Parameter bytes: The input.
    /// - Returns: The header and the data rows (completely empty lines skipped).
    /// - Throws: `LearningError` `.malformedCSV` (no header, bad quoting), `.missingColumn` (a
    ///   column name twice) or `.raggedRow`, naming the line.
    public func readRows(bytes: [UInt8]) throws -> Rows {
        let records = try bytes.withUnsafeBufferPointer { try CSVRecords(parsing: $0, delimiter: options.delimiter) }
        return try bytes.withUnsafeBufferPointer { buffer in
            let builder = CSVTableBuilder(records: records, bytes: buffer, options: options)
            guard records.recordCount > 0 else {
                throw LearningError(.malformedCSV, "the input has no header row", line: 1)
            }
            let headerCount = records.fieldCount(ofRecord: 0)
            let header = (0..<headerCount).map { builder.text($0).trimmingSpacesAndTabs() }
            if let duplicate = header.indices.first(where: { header[..<$0].contains(header[$0]) }) {
                throw LearningError(
                    .missingColumn, "column name '\(header[duplicate])' appears twice in the header",
                    line: Int(records.recordLine[0]), column: duplicate + 1, field: header[duplicate])
            }
            var values: [[String?]] = []
            values.reserveCapacity(records.recordCount - 1)
            for record in 1..<max(1, records.recordCount) {
                let count = records.fieldCount(ofRecord: record)
                guard count == headerCount else {
                    throw LearningError(
                        .raggedRow, "row has \(count) fields but the header has \(headerCount)",
                        line: Int(records.recordLine[record]), column: min(count, headerCount) + 1)
                }
                let first = Int(records.recordFirstField[record])
                values.append((0..<headerCount).map { builder.presentText(first + $0) })
            }
            return Rows(header: header, values: values, lines: records.recordLine.dropFirst().map { Int($0) })
        }
    }
}
