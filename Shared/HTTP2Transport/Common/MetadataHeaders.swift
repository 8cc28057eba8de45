import RPCCore

/// Converts between ``Metadata`` and HTTP/2 header fields: `-bin` values are base64 on the
/// wire (accepted padded or not), reserved HTTP/2 and gRPC headers are not metadata.
enum MetadataHeaders {
    /// Header names that carry protocol state rather than metadata.
    static let reserved: Set<String> = [
        "content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
        "grpc-status", "grpc-message", "grpc-status-details-bin", "connection", "host",
    ]

    /// Header fields for metadata.
    static func fields(_ metadata: Metadata) -> [(String, String)] {
        metadata.compactMap { key, value in
            guard !reserved.contains(key), !key.hasPrefix(":") else { return nil }
            switch value {
            case .string(let string): return (key, string)
            case .binary(let bytes): return (key, Base64.encode(bytes))
            }
        }
    }

    /// Metadata from received header fields, without reserved and pseudo headers.
    static func metadata(_ fields: [(String, String)]) -> Metadata {
        var metadata = Metadata()
        for (name, value) in fields where !name.hasPrefix(":") && !reserved.contains(name) {
            if name.hasSuffix("-bin") {
                // Several values of one -bin key may arrive comma-joined.
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    if let bytes = Base64.decode(part.trimmingSpaces) { metadata.addBinary(bytes, forKey: name) }
                }
            } else {
                metadata.addString(value, forKey: name)
            }
        }
        return metadata
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result.removeFirst() }
        while result.last == " " { result.removeLast() }
        return result
    }
}

/// Standard base64 (RFC 4648 §4), as gRPC uses for `-bin` metadata.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Encodes with padding.
    static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int(chunk >> UInt32(shift) & 0x3F)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if rest == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            output.append(alphabet[Int(chunk >> 18 & 0x3F)])
            output.append(alphabet[Int(chunk >> 12 & 0x3F)])
            output.append(rest == 2 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes, padded or not. Returns nil for characters outside the alphabet.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var bits: UInt32 = 0
        var bitCount = 0
        var output = [UInt8]()
        output.reserveCapacity(text.utf8.count * 3 / 4)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") { break }
            let value = reverse[Int(byte)]
            if value == 0xFF { return nil }
            bits = bits << 6 | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount)))
            }
        }
        return output
    }
}
