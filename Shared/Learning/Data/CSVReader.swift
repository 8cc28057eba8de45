#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import FoundationEssentials

/// Reads CSV text (RFC 4180) into a `Table`.
///
/// - The first record is the header; every later record must have as many fields
///   (a ragged row fails with `.raggedRow`, naming its line).
/// - Fields may be quoted with `"`; a quoted field may contain the delimiter, line breaks and
///   doubled quotes (`""`). A quote inside an unquoted field, or text after a closing quote,
///   fails with `.malformedCSV`.
/// - Lines end with LF, CRLF or CR. Completely empty lines are skipped.
/// - A field equal to one of `Options.missingMarkers` (after trimming spaces) is missing.
/// - A row whose label is missing fails with `.invalidLabel`, or is left out when
///   `Options.missingLabel` is `.skipRow` (`readOutcome` says which lines were left out).
/// - Errors name the 1-based physical line and the 1-based column (field number).
public struct CSVReader: Sendable {
    /// How to read the label column.
    public enum LabelChoice: Sendable, Hashable {
        /// Classification when any label is not a number, regression otherwise.
        case automatic
        /// Classification; the classes are the distinct label values.
        case classification
        /// Regression; every label must be a finite number.
        case regression
    }

    /// What to do with a row whose label is missing (empty or a missing marker).
    public enum MissingLabelPolicy: Sendable, Hashable {
        /// Fail with `LearningError.invalidLabel`, naming the line.
        case reject
        /// Leave the row out of the table (before any inference) and count it.
        case skipRow
    }

    /// A table and the data rows left out of it.
    public struct Outcome: Sendable {
        /// The rows read.
        public var table: Table
        /// 1-based physical lines of the rows left out because their label was missing.
        public var skippedLines: [Int]
    }

    /// Reading options; every field has a default.
    public struct Options: Sendable {
        /// The label column's name.
        public var labelColumn: String = "label"
        /// How to read the label when no `encoding` is given.
        public var labelChoice: LabelChoice = .automatic
        /// Field separator (one ASCII byte).
        public var delimiter: UInt8 = UInt8(ascii: ",")
        /// Field values (after trimming spaces) that mean "missing".
        public var missingMarkers: Set<String> = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]
        /// A given schema: when set, the header must contain every feature and the label by
        /// name (in any order; other columns are ignored) and values are encoded with it.
        /// When nil, the schema is inferred: every column except the label is a feature,
        /// numeric when every present value is a number, categorical otherwise.
        public var encoding: FeatureEncoding? = nil
        /// Kinds forced for some columns when inferring (categories are still inferred).
        public var forceCategorical: Set<String> = []
        /// Columns left out of the table when inferring.
        public var ignoredColumns: Set<String> = []
        /// What to do with a categorical value that a given `encoding` does not know.
        public var unknownCategory: UnknownCategoryPolicy = .reject
        /// What to do with a row whose label is missing.
        public var missingLabel: MissingLabelPolicy = .reject

        /// Creates default options.
        public init() {}
    }

    /// The options this reader uses.
    public var options: Options

    /// Creates a reader.
    public init(options: Options = Options()) {
        self.options = options
    }

    /// Reads a CSV file.
    /// - Parameter url: A file URL.
    /// - Returns: The table.
    /// - Throws: `LearningError` (see the type's documentation) or a file-system error.
    public func read(contentsOf url: URL) throws -> Table {
        try readOutcome(contentsOf: url).table
    }

    /// Reads CSV text.
    public func read(text: String) throws -> Table {
        try readOutcome(bytes: Array(text.utf8)).table
    }

    /// Reads CSV bytes (UTF-8).
    public func read(bytes: [UInt8]) throws -> Table {
        try readOutcome(bytes: bytes).table
    }

    /// Reads a CSV file and says which rows were left out (see `Options.missingLabel`).
    /// - Throws: `LearningError` or a file-system error.
    public func readOutcome(contentsOf url: URL) throws -> Outcome {
        let data = try Data(contentsOf: url)
        return try readOutcome(bytes: [UInt8](data))
    }

    /// Reads CSV bytes (UTF-8) and says which rows were left out (see `Options.missingLabel`).
    /// - Throws: `LearningError`.
    public func readOutcome(bytes: [UInt8]) throws -> Outcome {
        let records = try bytes.withUnsafeBufferPointer { try CSVRecords(parsing: $0, delimiter: options.delimiter) }
        return try bytes.withUnsafeBufferPointer { buffer in
            try CSVTableBuilder(records: records, bytes: buffer, options: options).build()
        }
    }
}

/// The fields of every record, as byte ranges into the input.
struct CSVRecords {
    /// Per field: start and end offsets (quotes excluded) and whether it holds `""` escapes.
    var fieldStart: [Int32] = []
    var fieldEnd: [Int32] = []
    var fieldEscaped: [Bool] = []
    /// Per record: index of its first field; one extra entry closes the last record.
    var recordFirstField: [Int32] = [0]
    /// Per record: its 1-based physical line.
    var recordLine: [Int32] = []

    var recordCount: Int { recordLine.count }

    init(parsing bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) throws {
        let quote = UInt8(ascii: "\""), lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        guard bytes.count < Int(Int32.max) else {
            throw LearningError(.malformedCSV, "input larger than 2 GiB")
        }
        let estimate = bytes.count / 8
        fieldStart.reserveCapacity(estimate)
        fieldEnd.reserveCapacity(estimate)
        fieldEscaped.reserveCapacity(estimate)
        var i = 0
        var line = 1
        let n = bytes.count
        // Skip a UTF-8 byte order mark.
        if n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        while i < n {
            // A completely empty line is skipped.
            if bytes[i] == lf || bytes[i] == cr {
                if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { i += 1 }
                i += 1
                line += 1
                continue
            }
            let recordStartLine = line
            var column = 1
            var endOfRecord = false
            while !endOfRecord {
                if i < n, bytes[i] == quote {
                    let openLine = line
                    i += 1
                    let start = i
                    var escaped = false
                    var closed = false
                    while i < n {
                        let byte = bytes[i]
                        if byte == quote {
                            if i + 1 < n, bytes[i + 1] == quote {
                                escaped = true
                                i += 2
                                continue
                            }
                            closed = true
                            break
                        }
                        if byte == lf || (byte == cr && !(i + 1 < n && bytes[i + 1] == lf)) { line += 1 }
                        i += 1
                    }
                    guard closed else {
                        throw LearningError(
                            .malformedCSV, "quoted field is not closed before the end of the input",
                            line: openLine, column: column)
                    }
                    fieldStart.append(Int32(start))
                    fieldEnd.append(Int32(i))
                    fieldEscaped.append(escaped)
                    i += 1  // closing quote
                    if i < n, bytes[i] != delimiter, bytes[i] != lf, bytes[i] != cr {
                        throw LearningError(
                            .malformedCSV, "unexpected text after a closing quote", line: line, column: column)
                    }
                } else {
                    let start = i
                    while i < n {
                        let byte = bytes[i]
                        if byte == delimiter || byte == lf || byte == cr { break }
                        if byte == quote {
                            throw LearningError(
                                .malformedCSV, "quote inside an unquoted field", line: line, column: column)
                        }
                        i += 1
                    }
                    fieldStart.append(Int32(start))
                    fieldEnd.append(Int32(i))
                    fieldEscaped.append(false)
                }
                if i >= n {
                    endOfRecord = true
                } else if bytes[i] == delimiter {
                    i += 1
                    column += 1
                } else {
                    // Line end: LF, CRLF or CR.
                    if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { i += 1 }
                    i += 1
                    line += 1
                    endOfRecord = true
                }
            }
            recordLine.append(Int32(recordStartLine))
            recordFirstField.append(Int32(fieldStart.count))
        }
    }

    func fieldCount(ofRecord record: Int) -> Int {
        Int(recordFirstField[record + 1] - recordFirstField[record])
    }

    /// The same input with only the given records (in order).
    func keeping(records kept: [Int]) -> CSVRecords {
        var copy = self
        copy.fieldStart = []
        copy.fieldEnd = []
        copy.fieldEscaped = []
        copy.recordFirstField = [0]
        copy.recordLine = []
        for record in kept {
            let fields = Int(recordFirstField[record])..<Int(recordFirstField[record + 1])
            copy.fieldStart += fieldStart[fields]
            copy.fieldEnd += fieldEnd[fields]
            copy.fieldEscaped += fieldEscaped[fields]
            copy.recordFirstField.append(Int32(copy.fieldStart.count))
            copy.recordLine.append(recordLine[record])
        }
        return copy
    }
}

/// Turns parsed records into a typed, validated table.
struct CSVTableBuilder {
    let records: CSVRecords
    let bytes: UnsafeBufferPointer<UInt8>
    var options: CSVReader.Options

    /// A field's text, with `""` unescaped.
    func text(_ field: Int) -> String {
        let start = Int(records.fieldStart[field]), end = Int(records.fieldEnd[field])
        let raw = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return records.fieldEscaped[field] ? raw.replacing("\"\"", with: "\"") : raw
    }

    /// A field's text trimmed of spaces and tabs, or nil when it is a missing marker.
    func presentText(_ field: Int) -> String? {
        let start = Int(records.fieldStart[field]), end = Int(records.fieldEnd[field])
        let padded = start < end && [0x20, 0x09].contains(bytes[start]) || start < end && [0x20, 0x09].contains(bytes[end - 1])
        let value = padded ? text(field).trimmingSpacesAndTabs() : text(field)
        return options.missingMarkers.contains(value) ? nil : value
    }

    /// Parses a field as a number: `.missing`, `.number(v)` or `.notANumber`.
    enum NumberParse { case missing, number(Float), notANumber }

    func parseNumber(_ field: Int) -> NumberParse {
        var start = Int(records.fieldStart[field]), end = Int(records.fieldEnd[field])
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let length = end - start
        if length == 0 || length > 64 || records.fieldEscaped[field] {
            guard let value = presentText(field) else { return .missing }
            if let number = Float(value) { return .number(number) }
            return .notANumber
        }
        // Only plain decimal syntax goes to strtod (no hex floats, no leading spaces).
        var plain = true
        for k in start..<end {
            let byte = bytes[k]
            let isDigit = byte >= 0x30 && byte <= 0x39
            if !(isDigit || byte == 0x2E || byte == 0x2B || byte == 0x2D || byte == 0x65 || byte == 0x45) {
                plain = false
                break
            }
        }
        if !plain {
            guard let value = presentText(field) else { return .missing }
            let lowered = value.lowercased()
            if ["inf", "+inf", "infinity", "+infinity"].contains(lowered) { return .number(.infinity) }
            if ["-inf", "-infinity"].contains(lowered) { return .number(-.infinity) }
            return .notANumber
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 66) { buffer in
            for k in 0..<length { buffer[k] = CChar(bitPattern: bytes[start + k]) }
            buffer[length] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &endPointer)
            guard let endPointer, endPointer - buffer.baseAddress! == length else { return .notANumber }
            return .number(Float(value))
        }
    }

    func build() throws -> CSVReader.Outcome {
        guard records.recordCount > 0 else {
            throw LearningError(.malformedCSV, "the input has no header row", line: 1)
        }
        let headerCount = records.fieldCount(ofRecord: 0)
        let header = (0..<headerCount).map { text($0).trimmingSpacesAndTabs() }
        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            if positions.updateValue(index, forKey: name) != nil {
                throw LearningError(
                    .missingColumn, "column name '\(name)' appears twice in the header", line: Int(records.recordLine[0]),
                    column: index + 1, field: name)
            }
        }
        let rowCount = records.recordCount - 1
        for record in 1..<records.recordCount where records.fieldCount(ofRecord: record) != headerCount {
            throw LearningError(
                .raggedRow,
                "row has \(records.fieldCount(ofRecord: record)) fields but the header has \(headerCount)",
                line: Int(records.recordLine[record]), column: min(records.fieldCount(ofRecord: record), headerCount) + 1)
        }
        guard let labelPosition = positions[options.labelColumn] else {
            throw LearningError(
                .missingColumn, "the header has no label column '\(options.labelColumn)'", line: Int(records.recordLine[0]),
                field: options.labelColumn)
        }
        func field(_ record: Int, _ position: Int) -> Int { Int(records.recordFirstField[record]) + position }
        if options.missingLabel == .skipRow {
            let unlabelled = (1..<records.recordCount).filter { presentText(field($0, labelPosition)) == nil }
            if !unlabelled.isEmpty {
                let unlabelledSet = Set(unlabelled)
                let kept = (0..<records.recordCount).filter { !unlabelledSet.contains($0) }
                var labelled = CSVTableBuilder(records: records.keeping(records: kept), bytes: bytes, options: options)
                labelled.options.missingLabel = .reject
                let table = try labelled.build().table
                return CSVReader.Outcome(table: table, skippedLines: unlabelled.map { Int(records.recordLine[$0]) })
            }
        }
        func location(_ record: Int, _ position: Int, _ name: String) -> (Int, Int, String) {
            (Int(records.recordLine[record]), position + 1, name)
        }

        // Decide the schema: given, or inferred column by column (keeping what was parsed).
        var parsed: [Int: [Float]] = [:]
        var featureColumns: [FeatureColumn] = []
        var featurePositions: [Int] = []
        let labelKind: LabelKind
        if let encoding = options.encoding {
            for feature in encoding.features {
                guard let position = positions[feature.name] else {
                    throw LearningError(
                        .missingColumn, "the header has no column '\(feature.name)' that the schema requires",
                        line: Int(records.recordLine[0]), field: feature.name)
                }
                featureColumns.append(feature)
                featurePositions.append(position)
            }
            labelKind = encoding.label
        } else {
            for (position, name) in header.enumerated()
            where position != labelPosition && !options.ignoredColumns.contains(name) {
                featurePositions.append(position)
                let values = options.forceCategorical.contains(name) ? nil : numericValues(position)
                parsed[position] = values
                if values == nil {
                    let values = (1..<records.recordCount).compactMap { presentText(field($0, position)) }
                    featureColumns.append(FeatureColumn(name: name, kind: .categorical(CategoricalEncoding(sortingDistinct: values))))
                } else {
                    featureColumns.append(FeatureColumn(name: name, kind: .numeric))
                }
            }
            let numericLabel = numericValues(labelPosition) != nil
            let classify = options.labelChoice == .classification || (options.labelChoice == .automatic && !numericLabel)
            if classify {
                let values = (1..<records.recordCount).compactMap { presentText(field($0, labelPosition)) }
                labelKind = .classification(classes: CategoricalEncoding(sortingDistinct: values))
            } else {
                labelKind = .regression
            }
        }

        // Encode the features.
        var columns: [[Float]] = []
        columns.reserveCapacity(featureColumns.count)
        for (index, feature) in featureColumns.enumerated() {
            let position = featurePositions[index]
            var column = [Float](repeating: .nan, count: rowCount)
            switch feature.kind {
            case .numeric:
                if let values = parsed[position] {
                    if let row = values.firstIndex(where: \.isInfinite) {
                        let (line, col, name) = location(row + 1, position, feature.name)
                        throw LearningError(
                            .nonFiniteValue, "infinite value '\(text(field(row + 1, position)))' in a numeric column",
                            line: line, column: col, field: name)
                    }
                    columns.append(values)
                    continue
                }
                for record in 1..<records.recordCount {
                    switch parseNumber(field(record, position)) {
                    case .missing: break
                    case .number(let value):
                        if value.isInfinite {
                            let (line, col, name) = location(record, position, feature.name)
                            throw LearningError(
                                .nonFiniteValue, "infinite value '\(text(field(record, position)))' in a numeric column",
                                line: line, column: col, field: name)
                        }
                        column[record - 1] = value
                    case .notANumber:
                        let (line, col, name) = location(record, position, feature.name)
                        throw LearningError(
                            .invalidValue, "'\(text(field(record, position)))' is not a number", line: line,
                            column: col, field: name)
                    }
                }
            case .categorical(let encoding):
                for record in 1..<records.recordCount {
                    guard let value = presentText(field(record, position)) else { continue }
                    if let code = encoding.code(of: value) {
                        column[record - 1] = Float(code)
                    } else if options.unknownCategory == .reject {
                        let (line, col, name) = location(record, position, feature.name)
                        throw LearningError(
                            .unknownCategory, "unknown category '\(value)'", line: line, column: col, field: name)
                    }
                }
            }
            columns.append(column)
        }

        // Encode the label.
        var labels = [Float](repeating: 0, count: rowCount)
        for record in 1..<records.recordCount {
            let (line, col, name) = location(record, labelPosition, options.labelColumn)
            switch labelKind {
            case .regression:
                switch parseNumber(field(record, labelPosition)) {
                case .number(let value) where value.isFinite:
                    labels[record - 1] = value
                case .missing:
                    throw LearningError(.invalidLabel, "the label is missing", line: line, column: col, field: name)
                default:
                    throw LearningError(
                        .invalidLabel, "label '\(text(field(record, labelPosition)))' is not a finite number",
                        line: line, column: col, field: name)
                }
            case .classification(let classes):
                guard let value = presentText(field(record, labelPosition)) else {
                    throw LearningError(.invalidLabel, "the label is missing", line: line, column: col, field: name)
                }
                guard let code = classes.code(of: value) else {
                    throw LearningError(
                        .invalidLabel, "label '\(value)' is not one of the classes \(classes.categories)",
                        line: line, column: col, field: name)
                }
                labels[record - 1] = Float(code)
            }
        }
        let encoding = FeatureEncoding(features: featureColumns, labelName: options.labelColumn, label: labelKind)
        return CSVReader.Outcome(table: Table(validated: encoding, columns: columns, labels: labels), skippedLines: [])
    }

    /// The column's values when every present value reads as a number (NaN for missing,
    /// infinities kept so that they are reported as non-finite rather than turning the
    /// column categorical), or nil.
    func numericValues(_ position: Int) -> [Float]? {
        var values = [Float](repeating: .nan, count: records.recordCount - 1)
        for record in 1..<records.recordCount {
            switch parseNumber(Int(records.recordFirstField[record]) + position) {
            case .notANumber: return nil
            case .missing: break
            case .number(let value): values[record - 1] = value
            }
        }
        return values
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (a CSV field's padding).
    func trimmingSpacesAndTabs() -> String {
        let isPadding: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isPadding($0) }), let last = lastIndex(where: { !isPadding($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
