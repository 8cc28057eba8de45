// Binary formats of the types beyond the scalars: timestamptz, jsonb and one-dimensional
// arrays. PostgreSQL's binary array format is: ndim (int32), flags (int32, 1 = has nulls),
// element type OID (int32), then per dimension its length and lower bound (int32 each), then
// every element as a length (int32, -1 = NULL) followed by its bytes.

extension PostgresValue {
    /// Microseconds between 1970-01-01 and 2000-01-01, PostgreSQL's timestamp epoch.
    static let postgresEpochOffsetMicroseconds: Int64 = 946_684_800_000_000

    static func appendArray<Element>(
        _ elements: [Element], elementType: PostgresDataType, to buffer: inout [UInt8],
        encode: (Element, inout [UInt8]) -> Void
    ) -> Int {
        let before = buffer.count
        appendInt32(elements.isEmpty ? 0 : 1, to: &buffer)
        appendInt32(0, to: &buffer)
        appendInt32(Int32(bitPattern: elementType.rawValue), to: &buffer)
        if !elements.isEmpty {
            appendInt32(Int32(elements.count), to: &buffer)
            appendInt32(1, to: &buffer)
        }
        for element in elements {
            let lengthAt = buffer.count
            appendInt32(0, to: &buffer)
            let start = buffer.count
            encode(element, &buffer)
            let length = UInt32(buffer.count - start)
            buffer[lengthAt] = UInt8(truncatingIfNeeded: length >> 24)
            buffer[lengthAt + 1] = UInt8(truncatingIfNeeded: length >> 16)
            buffer[lengthAt + 2] = UInt8(truncatingIfNeeded: length >> 8)
            buffer[lengthAt + 3] = UInt8(truncatingIfNeeded: length)
        }
        return buffer.count - before
    }

    static func appendInt32(_ value: Int32, to buffer: inout [UInt8]) {
        let bits = UInt32(bitPattern: value)
        buffer.append(UInt8(truncatingIfNeeded: bits >> 24))
        buffer.append(UInt8(truncatingIfNeeded: bits >> 16))
        buffer.append(UInt8(truncatingIfNeeded: bits >> 8))
        buffer.append(UInt8(truncatingIfNeeded: bits))
    }

    /// Rough encoded size, to reserve buffer capacity.
    static func arraySizeHint(count: Int, elementSize: Int) -> Int {
        20 + count * (4 + elementSize)
    }
}

extension PostgresResult {
    /// A `timestamptz` (or `timestamp`) cell as microseconds since the Unix epoch.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The instant, or `nil` for NULL. `infinity` and `-infinity` come back as
    ///   `Int64.max` and `Int64.min`.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   when it is of another type.
    public func timestampMicroseconds(row: Int, column: Int) throws -> Int64? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        let type = columns[column].dataType
        guard type == .timestamptz || type == .timestamp else {
            throw typeMismatch(row: row, column: column, wanted: "timestamptz")
        }
        let raw = Int64(bitPattern: try readUInt64(bytes, at: bytes.startIndex, row: row, column: column))
        if raw == .max || raw == .min { return raw }
        return raw + PostgresValue.postgresEpochOffsetMicroseconds
    }

    /// A `jsonb` or `json` cell as JSON text.
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The JSON text, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   when it is of another type or an unknown jsonb format version.
    public func json(row: Int, column: Int) throws -> String? {
        guard var bytes = rawBytes(row: row, column: column) else { return nil }
        switch columns[column].dataType {
        case .jsonb:
            guard bytes.first == 1 else {
                throw PostgresError.decoding("\(cellName(row: row, column: column)) has an unknown jsonb format version")
            }
            bytes = bytes.dropFirst()
        case .json:
            break
        default:
            throw typeMismatch(row: row, column: column, wanted: "jsonb")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PostgresError.decoding("\(cellName(row: row, column: column)) is not valid UTF-8")
        }
        return text
    }

    /// A `float8[]` cell (one dimension, no NULL elements).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The elements, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` naming the column
    ///   when it is of another type, has several dimensions or NULL elements.
    public func doubleArray(row: Int, column: Int) throws -> [Double]? {
        try array(row: row, column: column, elementType: .float8, arrayType: .float8Array) { bytes, start in
            Double(bitPattern: try readUInt64(bytes, at: start, row: row, column: column))
        }
    }

    /// An `int8[]` cell (one dimension, no NULL elements).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The elements, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` as
    ///   ``doubleArray(row:column:)``.
    public func int64Array(row: Int, column: Int) throws -> [Int64]? {
        try array(row: row, column: column, elementType: .int8, arrayType: .int8Array) { bytes, start in
            Int64(bitPattern: try readUInt64(bytes, at: start, row: row, column: column))
        }
    }

    /// A `text[]` cell (one dimension, no NULL elements).
    /// - Parameters:
    ///   - row: Row index, `0..<rowCount`.
    ///   - column: Column index, `0..<columnCount`.
    /// - Returns: The elements, or `nil` for NULL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding`` as
    ///   ``doubleArray(row:column:)``, or when an element is not UTF-8.
    public func stringArray(row: Int, column: Int) throws -> [String]? {
        try array(row: row, column: column, elementType: .text, arrayType: .textArray) { bytes, _ in
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw PostgresError.decoding("an element of \(cellName(row: row, column: column)) is not valid UTF-8")
            }
            return text
        }
    }

    /// ``timestampMicroseconds(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding``.
    public func timestampMicroseconds(row: Int, column name: String) throws -> Int64? {
        try timestampMicroseconds(row: row, column: namedColumn(name))
    }

    /// ``json(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding``.
    public func json(row: Int, column name: String) throws -> String? {
        try json(row: row, column: namedColumn(name))
    }

    /// ``doubleArray(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding``.
    public func doubleArray(row: Int, column name: String) throws -> [Double]? {
        try doubleArray(row: row, column: namedColumn(name))
    }

    /// ``int64Array(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding``.
    public func int64Array(row: Int, column name: String) throws -> [Int64]? {
        try int64Array(row: row, column: namedColumn(name))
    }

    /// ``stringArray(row:column:)`` by column name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/decoding``.
    public func stringArray(row: Int, column name: String) throws -> [String]? {
        try stringArray(row: row, column: namedColumn(name))
    }

    // MARK: Helpers

    private func array<Element>(
        row: Int, column: Int, elementType: PostgresDataType, arrayType: PostgresDataType,
        decode: (ArraySlice<UInt8>, Int) throws -> Element
    ) throws -> [Element]? {
        guard let bytes = rawBytes(row: row, column: column) else { return nil }
        guard columns[column].dataType == arrayType else {
            throw typeMismatch(row: row, column: column, wanted: "\(arrayType.name ?? "array")")
        }
        var position = bytes.startIndex
        func int32() throws -> Int32 {
            guard bytes.endIndex - position >= 4 else {
                throw PostgresError.decoding("\(cellName(row: row, column: column)) is a truncated array")
            }
            let value = bytes[position..<position + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            position += 4
            return Int32(bitPattern: value)
        }
        let dimensions = try int32()
        _ = try int32()  // flags: NULL elements are caught one by one below
        let oid = UInt32(bitPattern: try int32())
        guard dimensions <= 1 else {
            throw PostgresError.decoding("\(cellName(row: row, column: column)) has \(dimensions) dimensions; only one is supported")
        }
        guard oid == elementType.rawValue else {
            throw PostgresError.decoding("\(cellName(row: row, column: column)) has elements of oid \(oid)")
        }
        guard dimensions == 1 else { return [] }
        let count = Int(try int32())
        _ = try int32()  // lower bound
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            let length = Int(try int32())
            guard length >= 0 else {
                throw PostgresError.decoding("element \(index) of \(cellName(row: row, column: column)) is NULL")
            }
            guard bytes.endIndex - position >= length else {
                throw PostgresError.decoding("\(cellName(row: row, column: column)) is a truncated array")
            }
            elements.append(try decode(bytes[position..<position + length], position))
            position += length
        }
        return elements
    }

    private func readUInt64(_ bytes: ArraySlice<UInt8>, at start: Int, row: Int, column: Int) throws -> UInt64 {
        guard bytes.endIndex - start >= 8 else {
            throw PostgresError.decoding("\(cellName(row: row, column: column)) has fewer than 8 bytes")
        }
        var value: UInt64 = 0
        for index in start..<start + 8 { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    private func namedColumn(_ name: String) throws -> Int {
        guard let index = columnIndex(named: name) else {
            throw PostgresError.decoding(
                "no column named '\(name)' (columns: \(columnNames.map { "'\($0)'" }.joined(separator: ", ")))")
        }
        return index
    }

    private func typeMismatch(row: Int, column: Int, wanted: String) -> PostgresError {
        PostgresError.decoding(
            "\(cellName(row: row, column: column)) has type \(columns[column].dataType); cannot decode it as \(wanted)")
    }

    private func cellName(row: Int, column: Int) -> String {
        "column '\(columns[column].name)' (#\(column)), row \(row)"
    }
}

extension PostgresDataType {
    /// `json`, OID 114.
    public static let json = PostgresDataType(rawValue: 114)
    /// `timestamp` (without time zone), OID 1114.
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamptz`, OID 1184.
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `jsonb`, OID 3802.
    public static let jsonb = PostgresDataType(rawValue: 3802)
    /// `bool[]`, OID 1000.
    public static let boolArray = PostgresDataType(rawValue: 1000)
    /// `text[]`, OID 1009.
    public static let textArray = PostgresDataType(rawValue: 1009)
    /// `int8[]`, OID 1016.
    public static let int8Array = PostgresDataType(rawValue: 1016)
    /// `float8[]`, OID 1022.
    public static let float8Array = PostgresDataType(rawValue: 1022)
    /// `bytea[]`, OID 1001.
    public static let byteaArray = PostgresDataType(rawValue: 1001)
}
