extension PostgresResult {
    /// An integer cell (`int8`, `int4` or `int2`).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The value, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the column is of another type.
    public func int64(row: Int, column: Int) throws -> Int64? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        let type = columns[column].dataType
        switch type {
        case .int8: return Int64(bitPattern: try fixedWidth(bytes, 8, row: row, column: column))
        case .int4: return Int64(Int32(bitPattern: UInt32(try fixedWidth(bytes, 4, row: row, column: column))))
        case .int2: return Int64(Int16(bitPattern: UInt16(try fixedWidth(bytes, 2, row: row, column: column))))
        default: throw mismatch(row: row, column: column, wanted: "an integer (int8, int4, int2)")
        }
    }

    /// A floating-point cell (`float8` or `float4`).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The value (NaN and the infinities included), or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the column is of another type.
    public func double(row: Int, column: Int) throws -> Double? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        switch columns[column].dataType {
        case .float8: return Double(bitPattern: try fixedWidth(bytes, 8, row: row, column: column))
        case .float4: return Double(Float(bitPattern: UInt32(try fixedWidth(bytes, 4, row: row, column: column))))
        default: throw mismatch(row: row, column: column, wanted: "a float (float8, float4)")
        }
    }

    /// A `bool` cell.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The value, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the column is of another type.
    public func bool(row: Int, column: Int) throws -> Bool? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        guard columns[column].dataType == .bool else {
            throw mismatch(row: row, column: column, wanted: "bool")
        }
        return try fixedWidth(bytes, 1, row: row, column: column) != 0
    }

    /// A text cell (`text`, `varchar`, `bpchar`, `name`, or an untyped literal).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The value, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the column is of another type or not UTF-8.
    public func string(row: Int, column: Int) throws -> String? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        guard columns[column].dataType.isTextual else {
            throw mismatch(row: row, column: column, wanted: "text (text, varchar, bpchar, name)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PostgresError.decoding("\(describe(row: row, column: column)) is not valid UTF-8")
        }
        return text
    }

    /// A `bytea` cell.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The bytes, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the column is of another type.
    public func bytes(row: Int, column: Int) throws -> [UInt8]? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        guard columns[column].dataType == .bytea else {
            throw mismatch(row: row, column: column, wanted: "bytea")
        }
        return Array(bytes)
    }

    /// A cell as a ``PostgresValue``, chosen by the column's type: integers become
    /// ``PostgresValue/int8(_:)``, floats ``PostgresValue/float8(_:)``, text types
    /// ``PostgresValue/text(_:)``.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The value; ``PostgresValue/null`` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   and its type OID when the type is none of those above (`numeric`, …; cast it
    ///   in SQL).
    public func value(row: Int, column: Int) throws -> PostgresValue {
        if isNull(row: row, column: column) { return .null }
        let type = columns[column].dataType
        switch type {
        case .int8, .int4, .int2: return .int8(try int64(row: row, column: column)!)
        case .float8, .float4: return .float8(try double(row: row, column: column)!)
        case .bool: return .bool(try bool(row: row, column: column)!)
        case .bytea: return .bytea(try bytes(row: row, column: column)!)
        case .timestamptz, .timestamp: return .timestamptz(try timestampMicroseconds(row: row, column: column)!)
        case .jsonb, .json: return .jsonb(try json(row: row, column: column)!)
        case .float8Array: return .float8Array(try doubleArray(row: row, column: column)!)
        case .int8Array: return .int8Array(try int64Array(row: row, column: column)!)
        case .textArray: return .textArray(try stringArray(row: row, column: column)!)
        case _ where type.isTextual: return .text(try string(row: row, column: column)!)
        default:
            throw PostgresError.decoding(
                "\(describe(row: row, column: column)) has type \(type), which this layer does not decode; cast it in SQL (::text, ::float8, …)")
        }
    }

    /// Every cell of a row, as by ``value(row:column:)``.
    /// - Parameter row: Row index, `0..<rowCount`.
    /// - Returns: The row's values, in column order.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` for a column of a
    ///   type ``value(row:column:)`` does not decode.
    public func values(row: Int) throws -> [PostgresValue] {
        try columns.indices.map { try value(row: row, column: $0) }
    }

    // MARK: By column name

    /// ``int64(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``int64(row:column:)``.
    public func int64(row: Int, column name: String) throws -> Int64? {
        try int64(row: row, column: index(of: name))
    }

    /// ``double(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``double(row:column:)``.
    public func double(row: Int, column name: String) throws -> Double? {
        try double(row: row, column: index(of: name))
    }

    /// ``bool(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``bool(row:column:)``.
    public func bool(row: Int, column name: String) throws -> Bool? {
        try bool(row: row, column: index(of: name))
    }

    /// ``string(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``string(row:column:)``.
    public func string(row: Int, column name: String) throws -> String? {
        try string(row: row, column: index(of: name))
    }

    /// ``bytes(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``bytes(row:column:)``.
    public func bytes(row: Int, column name: String) throws -> [UInt8]? {
        try bytes(row: row, column: index(of: name))
    }

    /// ``value(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` when no column has
    ///   that name, or as ``value(row:column:)``.
    public func value(row: Int, column name: String) throws -> PostgresValue {
        try value(row: row, column: index(of: name))
    }

    // MARK: Helpers

    private func index(of name: String) throws -> Int {
        guard let index = columnIndex(named: name) else {
            throw PostgresError.decoding(
                "no column named '\(name)' (columns: \(columnNames.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        return index
    }

    private func fixedWidth(_ bytes: ArraySlice<UInt8>, _ width: Int, row: Int, column: Int) throws -> UInt64 {
        guard bytes.count == width else {
            throw PostgresError.decoding(
                "\(describe(row: row, column: column)), of type \(columns[column].dataType), has \(bytes.count) bytes, expected \(width)")
        }
        return bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private func mismatch(row: Int, column: Int, wanted: String) -> PostgresError {
        PostgresError.decoding(
            "\(describe(row: row, column: column)) has type \(columns[column].dataType); cannot decode it as \(wanted)")
    }

    private func describe(row: Int, column: Int) -> String {
        "column '\(columns[column].name)' (#\(column)), row \(row)"
    }
}
