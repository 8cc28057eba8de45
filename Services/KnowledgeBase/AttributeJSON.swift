import LifelongProto

/// Attribute lists as stored in `jsonb` columns: one JSON object of string values,
/// `{"season": "summer", "cooling": "ac"}`. jsonb keeps keys sorted, so attributes read back
/// are in key order, not in the order they were written.
enum AttributeJSON {
    /// Encodes attributes as a JSON object.
    /// - Parameters:
    ///   - attributes: The attributes.
    ///   - field: The request field, for the error message.
    /// - Throws: ``KnowledgeBaseError`` (INVALID_ARGUMENT) when a name is empty or repeats.
    static func encode(_ attributes: [Lifelong_V1_AttributeValue], field: String) throws -> String {
        if attributes.isEmpty { return "{}" }
        var seen = Set<String>()
        var text = "{"
        for (index, attribute) in attributes.enumerated() {
            guard !attribute.name.isEmpty else {
                throw KnowledgeBaseError.invalid("\(field)[\(index)].name is empty")
            }
            guard seen.insert(attribute.name).inserted else {
                throw KnowledgeBaseError.invalid("\(field)[\(index)].name '\(attribute.name)' is given twice")
            }
            if index > 0 { text += "," }
            appendString(attribute.name, to: &text)
            text += ":"
            appendString(attribute.value, to: &text)
        }
        text += "}"
        return text
    }

    /// Decodes a JSON object of string values, as PostgreSQL prints a jsonb.
    /// - Throws: ``KnowledgeBaseError`` (INTERNAL) when the text is not such an object.
    static func decode(_ text: String) throws -> [Lifelong_V1_AttributeValue] {
        var parser = Parser(bytes: Array(text.utf8))
        return try parser.object()
    }

    static func appendString(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }

    private struct Parser {
        var bytes: [UInt8]
        var position = 0

        mutating func object() throws -> [Lifelong_V1_AttributeValue] {
            var attributes: [Lifelong_V1_AttributeValue] = []
            try expect(UInt8(ascii: "{"))
            skipSpaces()
            if peek() == UInt8(ascii: "}") {
                position += 1
                return attributes
            }
            while true {
                skipSpaces()
                let name = try string()
                skipSpaces()
                try expect(UInt8(ascii: ":"))
                skipSpaces()
                let value = try string()
                var attribute = Lifelong_V1_AttributeValue()
                attribute.name = name
                attribute.value = value
                attributes.append(attribute)
                skipSpaces()
                if peek() == UInt8(ascii: ",") {
                    position += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                return attributes
            }
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var raw: [UInt8] = []
            func flush() {
                if !raw.isEmpty {
                    scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars)
                    raw.removeAll()
                }
            }
            while position < bytes.count {
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    // Without escapes (the usual case) the bytes are the string.
                    if scalars.isEmpty { return String(decoding: raw, as: UTF8.self) }
                    flush()
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush()
                    guard position < bytes.count else { throw malformed() }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "n"): scalars.append("\n")
                    case UInt8(ascii: "r"): scalars.append("\r")
                    case UInt8(ascii: "t"): scalars.append("\t")
                    case UInt8(ascii: "b"): scalars.append("\u{8}")
                    case UInt8(ascii: "f"): scalars.append("\u{c}")
                    case UInt8(ascii: "u"):
                        var value = try hex4()
                        if (0xD800..<0xDC00).contains(value), peek() == UInt8(ascii: "\\") {
                            position += 2
                            let low = try hex4()
                            value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        }
                        scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                    default: scalars.append(Unicode.Scalar(escape))
                    }
                default:
                    raw.append(byte)
                }
            }
            throw malformed()
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count,
                let value = UInt32(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
            else { throw malformed() }
            position += 4
            return value
        }

        func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipSpaces() {
            while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") { position += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw malformed() }
            position += 1
        }

        func malformed() -> KnowledgeBaseError {
            KnowledgeBaseError(.internalError, "stored attributes are not a JSON object of strings (at byte \(position))")
        }
    }
}
