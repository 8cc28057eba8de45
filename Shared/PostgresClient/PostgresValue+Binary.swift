extension PostgresValue {
    /// The value in PostgreSQL's binary format (network byte order), `nil` for ``null``.
    public var binaryEncoding: [UInt8]? {
        if case .null = self { return nil }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(encodedSizeHint)
        _ = appendBinaryEncoding(to: &buffer)
        return buffer
    }

    /// Appends the binary encoding to `buffer` and returns its length, or -1 for ``null``.
    func appendBinaryEncoding(to buffer: inout [UInt8]) -> Int {
        switch self {
        case .null:
            return -1
        case .int8(let value):
            Self.appendBigEndian(UInt64(bitPattern: value), to: &buffer)
            return 8
        case .float8(let value):
            Self.appendBigEndian(value.bitPattern, to: &buffer)
            return 8
        case .bool(let value):
            buffer.append(value ? 1 : 0)
            return 1
        case .text(let value):
            let before = buffer.count
            buffer.append(contentsOf: value.utf8)
            return buffer.count - before
        case .bytea(let value):
            buffer.append(contentsOf: value)
            return value.count
        case .timestamptz(let microseconds):
            let value =
                microseconds == .max || microseconds == .min
                ? microseconds : microseconds &- Self.postgresEpochOffsetMicroseconds
            Self.appendBigEndian(UInt64(bitPattern: value), to: &buffer)
            return 8
        case .jsonb(let text):
            buffer.append(1)  // jsonb binary format version
            buffer.append(contentsOf: text.utf8)
            return text.utf8.count + 1
        case .float8Array(let values):
            return Self.appendArray(values, elementType: .float8, to: &buffer) { value, buffer in
                Self.appendBigEndian(value.bitPattern, to: &buffer)
            }
        case .int8Array(let values):
            return Self.appendArray(values, elementType: .int8, to: &buffer) { value, buffer in
                Self.appendBigEndian(UInt64(bitPattern: value), to: &buffer)
            }
        case .textArray(let values):
            return Self.appendArray(values, elementType: .text, to: &buffer) { value, buffer in
                buffer.append(contentsOf: value.utf8)
            }
        case .boolArray(let values):
            return Self.appendArray(values, elementType: .bool, to: &buffer) { value, buffer in
                buffer.append(value ? 1 : 0)
            }
        case .byteaArray(let values):
            return Self.appendArray(values, elementType: .bytea, to: &buffer) { value, buffer in
                buffer.append(contentsOf: value)
            }
        }
    }

    /// The encoded size, or close to it, to reserve buffers.
    var encodedSizeHint: Int {
        switch self {
        case .null: 0
        case .bool: 1
        case .int8, .float8, .timestamptz: 8
        case .text(let text): text.utf8.count
        case .jsonb(let text): text.utf8.count + 1
        case .bytea(let bytes): bytes.count
        case .float8Array(let values): Self.arraySizeHint(count: values.count, elementSize: 8)
        case .int8Array(let values): Self.arraySizeHint(count: values.count, elementSize: 8)
        case .boolArray(let values): Self.arraySizeHint(count: values.count, elementSize: 1)
        case .textArray(let values): values.reduce(20) { $0 + 4 + $1.utf8.count }
        case .byteaArray(let values): values.reduce(20) { $0 + 4 + $1.count }
        }
    }

    static func appendBigEndian(_ value: UInt64, to buffer: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            buffer.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
