import CLibPQ

extension PostgresConnection {
    /// Runs a `COPY … FROM STDIN` statement and sends `data` as its input, in whatever format
    /// the statement names (see ``PostgresCopyBinaryWriter`` for `format binary`).
    ///
    /// COPY is the fastest way into a table: no per-row statement, no parameter arrays.
    /// - Parameters:
    ///   - sql: The `COPY table (columns) FROM STDIN …` statement.
    ///   - data: The complete input.
    /// - Returns: The number of rows copied.
    /// - Throws: ``PostgresError``: kind ``PostgresError/Kind/query`` when the statement is
    ///   not a COPY FROM STDIN or the server rejects the data (the connection stays usable),
    ///   ``PostgresError/Kind/connection`` when the connection is lost.
    @discardableResult
    public func copyIn(_ sql: String, data: [UInt8]) throws -> Int {
        let handle = try openHandle()
        guard let started = PQexec(handle, sql) else { return try consume(nil, on: handle).affectedRows ?? 0 }
        guard PQresultStatus(started) == PGRES_COPY_IN else {
            // Not a COPY FROM STDIN (or it failed): report as any statement.
            return try consume(started, on: handle).affectedRows ?? 0
        }
        PQclear(started)
        var failure: String?
        data.withUnsafeBytes { raw in
            var offset = 0
            let step = 1 << 20
            while offset < raw.count {
                let count = min(step, raw.count - offset)
                let sent = PQputCopyData(
                    handle, raw.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), Int32(count))
                guard sent == 1 else {
                    failure = "sending COPY data failed"
                    return
                }
                offset += count
            }
        }
        if PQputCopyEnd(handle, failure) != 1 {
            failure = failure ?? "ending COPY failed"
        }
        // The outcome is the first result after the data; drain the rest.
        var outcome: Result<PostgresResult, any Error>?
        while let result = PQgetResult(handle) {
            let current = Result { try consume(result, on: handle) }
            if outcome == nil { outcome = current }
        }
        guard let outcome else { return try consume(nil, on: handle).affectedRows ?? 0 }
        return try outcome.get().affectedRows ?? 0
    }
}

/// Builds input for `COPY … FROM STDIN (format binary)`: a header, then one tuple per
/// ``append(_:)`` with each value in PostgreSQL's binary format, then a trailer.
///
/// Each value must have exactly the column's type (``PostgresValue/int8(_:)`` for an `int8`
/// column, not an `int4` one): binary COPY does not convert.
public struct PostgresCopyBinaryWriter: Sendable {
    /// The bytes so far.
    public private(set) var bytes: [UInt8]

    /// Starts the input with the binary COPY header.
    /// - Parameter capacity: Bytes to reserve.
    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity + 32)
        bytes.append(contentsOf: Array("PGCOPY\n".utf8) + [0xff, 0x0d, 0x0a, 0x00])
        PostgresValue.appendInt32(0, to: &bytes)  // flags
        PostgresValue.appendInt32(0, to: &bytes)  // header extension length
    }

    /// Appends one row.
    /// - Parameter values: Its values, in the COPY statement's column order.
    public mutating func append(_ values: [PostgresValue]) {
        bytes.append(UInt8(truncatingIfNeeded: values.count >> 8))
        bytes.append(UInt8(truncatingIfNeeded: values.count))
        for value in values {
            let lengthAt = bytes.count
            PostgresValue.appendInt32(0, to: &bytes)
            let length = Int32(value.appendBinaryEncoding(to: &bytes))
            let bits = UInt32(bitPattern: length)
            bytes[lengthAt] = UInt8(truncatingIfNeeded: bits >> 24)
            bytes[lengthAt + 1] = UInt8(truncatingIfNeeded: bits >> 16)
            bytes[lengthAt + 2] = UInt8(truncatingIfNeeded: bits >> 8)
            bytes[lengthAt + 3] = UInt8(truncatingIfNeeded: bits)
        }
    }

    /// The complete input: the rows and the trailer.
    public func finished() -> [UInt8] {
        bytes + [0xff, 0xff]
    }
}
