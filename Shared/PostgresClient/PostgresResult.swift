import CLibPQ

/// The outcome of one statement: its rows, copied out of libpq in binary format, and its
/// command tag. A value: it owns no C memory and can be sent across threads.
///
/// Read values with the typed accessors (``int64(row:column:)``, ``string(row:column:)``, …),
/// which decode by the column's type OID and return `nil` for SQL `NULL`.
public struct PostgresResult: Sendable {
    /// A result column: its name and type.
    public struct Column: Sendable, Hashable {
        /// The column's name (`?column?` for an unnamed expression).
        public var name: String
        /// The column's type.
        public var dataType: PostgresDataType
    }

    /// The columns, in order.
    public let columns: [Column]
    /// The number of rows.
    public let rowCount: Int
    /// The command tag, e.g. `SELECT 3`, `INSERT 0 1`, `CREATE TABLE`.
    public let commandTag: String
    /// Rows inserted, updated, deleted, selected, … as reported in the command tag; `nil` for
    /// commands that report none (`CREATE TABLE`, …).
    public let affectedRows: Int?

    /// Every non-null cell's bytes, one after the other, row by row.
    private let storage: [UInt8]
    /// For each cell (row-major): where its bytes start in `storage`.
    private let cellOffsets: [Int]
    /// For each cell (row-major): its length in bytes, -1 for NULL.
    private let cellLengths: [Int32]

    /// Copies everything out of a `PGresult` (which the caller still owns and clears).
    init(copying result: OpaquePointer) {
        let rows = Int(PQntuples(result))
        let fields = Int(PQnfields(result))
        var columns: [Column] = []
        columns.reserveCapacity(fields)
        for field in 0..<fields {
            let name = PQfname(result, Int32(field)).map { String(cString: $0) } ?? ""
            columns.append(Column(name: name, dataType: PostgresDataType(rawValue: PQftype(result, Int32(field)))))
        }

        var lengths = [Int32](repeating: -1, count: rows * fields)
        var total = 0
        for row in 0..<rows {
            for field in 0..<fields where PQgetisnull(result, Int32(row), Int32(field)) == 0 {
                let length = PQgetlength(result, Int32(row), Int32(field))
                lengths[row * fields + field] = length
                total += Int(length)
            }
        }
        var offsets = [Int](repeating: 0, count: rows * fields)
        var storage: [UInt8] = []
        storage.reserveCapacity(total)
        for row in 0..<rows {
            for field in 0..<fields {
                let cell = row * fields + field
                offsets[cell] = storage.count
                guard lengths[cell] > 0, let value = PQgetvalue(result, Int32(row), Int32(field)) else { continue }
                storage.append(
                    contentsOf: UnsafeRawBufferPointer(start: value, count: Int(lengths[cell])))
            }
        }

        self.columns = columns
        self.rowCount = rows
        self.commandTag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        self.affectedRows = PQcmdTuples(result).flatMap { Int(String(cString: $0)) }
        self.storage = storage
        self.cellOffsets = offsets
        self.cellLengths = lengths
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The number of columns.
    public var columnCount: Int { columns.count }

    /// The index of the first column with this name, or `nil`.
    /// - Parameter name: The column name, as the statement spells it (case-sensitive).
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }

    /// Whether a cell is SQL `NULL`.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    public func isNull(row: Int, column: Int) -> Bool {
        cellLengths[cellIndex(row: row, column: column)] < 0
    }

    /// A cell's raw binary-format bytes, `nil` for NULL.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    public func rawBytes(row: Int, column: Int) -> ArraySlice<UInt8>? {
        let cell = cellIndex(row: row, column: column)
        let length = Int(cellLengths[cell])
        guard length >= 0 else { return nil }
        return storage[cellOffsets[cell]..<cellOffsets[cell] + length]
    }

    private func cellIndex(row: Int, column: Int) -> Int {
        precondition((0..<rowCount).contains(row), "row \(row) out of range 0..<\(rowCount)")
        precondition((0..<columns.count).contains(column), "column \(column) out of range 0..<\(columns.count)")
        return row * columns.count + column
    }
}
