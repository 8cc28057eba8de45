/// Bytes of the prior's raw scores of a task's rows, passed from the planning unit to the
/// task's unit: the score count (UInt32, little-endian), then every row's scores as Float
/// bit patterns (little-endian), so they come back bit for bit.
enum MarginCodec {
    static func encode(_ margins: [[Float]]) -> [UInt8] {
        let width = margins.first?.count ?? 0
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + margins.count * width * 4)
        append(UInt32(width), to: &bytes)
        for row in margins {
            precondition(row.count == width, "every row has the same number of scores")
            for value in row { append(value.bitPattern, to: &bytes) }
        }
        return bytes
    }

    /// - Throws: ``TrainingError`` INTERNAL for bytes that are not a whole table.
    static func decode(_ bytes: [UInt8]) throws -> [[Float]] {
        guard bytes.count >= 4 else { throw TrainingError(.internalError, "margins: truncated") }
        let width = Int(word(bytes, at: 0))
        let values = (bytes.count - 4) / 4
        guard (bytes.count - 4) % 4 == 0, width > 0 ? values % width == 0 : values == 0 else {
            throw TrainingError(.internalError, "margins: \(bytes.count) bytes are not rows of \(width) scores")
        }
        guard width > 0 else { return [] }
        return (0..<(values / width)).map { row in
            (0..<width).map { Float(bitPattern: word(bytes, at: 4 + (row * width + $0) * 4)) }
        }
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    private static func word(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << UInt32($1 * 8) }
    }
}

/// Bytes of the attribute values a task's start borrows from, passed from the planning unit
/// to the task's unit: each value as UTF-8 followed by U+001F (unit separator), so that no
/// values (tasks found by clustering) and one empty value are told apart.
enum StartAttributes {
    static let terminator: UInt8 = 0x1F

    static func encode(_ values: [String]) -> [UInt8] { values.flatMap { Array($0.utf8) + [terminator] } }

    /// - Throws: `TrainingError(.internalError)` when the bytes do not end with a terminator.
    static func decode(_ bytes: [UInt8]) throws -> [String] {
        guard bytes.isEmpty || bytes.last == terminator else {
            throw TrainingError(.internalError, "a task's start attributes are not terminated by U+001F")
        }
        return bytes.split(separator: terminator, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
    }
}
