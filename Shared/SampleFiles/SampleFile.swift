public import Foundation
import LifelongCore
import LifelongLearning
public import LifelongProto

/// A CSV file of samples, labelled or not, read with the learning library's CSV parser
/// (`CSVReader`: RFC 4180 quoting, `NA`/`?`/empty as missing) and turned into
/// `lifelong.v1.Sample`s for a job's `FeatureSchema`. Rows are keyed by ``SampleKey``.
///
/// ```swift
/// let file = try SampleFile(contentsOf: URL(fileURLWithPath: "round-1.csv"))
/// let schema = try file.inferSchema(label: "comfort", attributes: ["site"])
/// let samples = try file.samples(schema: schema, jobID: job.id, kind: .train)
/// ```
public struct SampleFile: Sendable {
    /// The name the file was read under (its path for files); errors name it.
    public let name: String
    /// The name without folder and extension: the prefix of row keys.
    public let stem: String
    /// The header's column names.
    public let header: [String]
    /// Per data row, one value per header column; nil when missing.
    public let values: [[String?]]
    /// The 1-based physical line of each data row.
    public let lines: [Int]
    /// The text as read, for the table reader that infers a schema.
    let bytes: [UInt8]

    /// Reads a CSV file.
    /// - Throws: ``SampleFileError`` `.unreadable` or `.malformedCSV`, naming the file and line.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SampleFileError(.unreadable, "\(url.path): cannot be read: \(error.localizedDescription)")
        }
        try self.init(name: url.path, bytes: [UInt8](data))
    }

    /// Reads CSV bytes given with the file name they came from (keys use its stem).
    /// - Throws: ``SampleFileError`` `.malformedCSV`, naming the file and line.
    public init(name: String, bytes: [UInt8]) throws {
        let rows: CSVReader.Rows
        do {
            rows = try CSVReader().readRows(bytes: bytes)
        } catch let error as LearningError {
            throw SampleFileError(.malformedCSV, "\(name): \(error.message)", line: error.line, column: error.field, cause: error)
        }
        self.name = name
        self.stem = SampleKey.stem(ofPath: name)
        self.header = rows.header
        self.values = rows.values
        self.lines = rows.lines
        self.bytes = bytes
    }

    /// The number of data rows.
    public var rowCount: Int { values.count }

    /// Whether the header has a column of this name.
    public func hasColumn(_ column: String) -> Bool { header.contains(column) }

    /// The key of the data row at a 0-based index, by ``SampleKey``.
    public func key(ofRow row: Int) -> String {
        let keyValue = header.firstIndex(of: SampleKey.column).flatMap { values[row][$0] }
        return SampleKey.key(fileStem: stem, dataRow: row + 1, keyValue: keyValue)
    }

    /// Every row's key, in row order.
    public var keys: [String] { (0..<rowCount).map(key(ofRow:)) }

    /// The position of a column, or `.missingColumn`.
    func position(of column: String, role: String) throws -> Int {
        guard let position = header.firstIndex(of: column) else {
            throw SampleFileError(.missingColumn, "\(name): the header has no \(role) column '\(column)'", line: 1, column: column)
        }
        return position
    }
}
