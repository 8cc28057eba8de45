/// Request or response metadata: an ordered multimap of lowercase keys to values. Keys that
/// end in `-bin` carry binary values; all other keys carry ASCII strings.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One metadata value.
    public enum Value: Sendable, Hashable {
        /// A printable ASCII value.
        case string(String)
        /// A binary value (its key ends in `-bin`); base64-encoded on the wire.
        case binary([UInt8])
    }

    /// One key/value pair.
    public typealias Element = (key: String, value: Value)

    private var entries: [Entry]

    private struct Entry: Sendable, Hashable {
        var key: String
        var value: Value
    }

    /// Empty metadata.
    public init() { entries = [] }

    public init(dictionaryLiteral elements: (String, Value)...) {
        entries = elements.map { Entry(key: $0.0.lowercased(), value: $0.1) }
    }

    /// The number of pairs.
    public var count: Int { entries.count }

    /// Whether there are no pairs.
    public var isEmpty: Bool { entries.isEmpty }

    /// Appends a string value.
    public mutating func addString(_ value: String, forKey key: String) {
        entries.append(Entry(key: key.lowercased(), value: .string(value)))
    }

    /// Appends a binary value; the key should end in `-bin`.
    public mutating func addBinary(_ value: [UInt8], forKey key: String) {
        entries.append(Entry(key: key.lowercased(), value: .binary(value)))
    }

    /// Appends a value.
    public mutating func add(_ value: Value, forKey key: String) {
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// Removes every value of a key.
    public mutating func removeAll(forKey key: String) {
        let key = key.lowercased()
        entries.removeAll { $0.key == key }
    }

    /// The string values of a key, in order.
    public subscript(stringValues key: String) -> [String] {
        let key = key.lowercased()
        return entries.compactMap {
            guard $0.key == key, case .string(let value) = $0.value else { return nil }
            return value
        }
    }

    /// The binary values of a key, in order.
    public subscript(binaryValues key: String) -> [[UInt8]] {
        let key = key.lowercased()
        return entries.compactMap {
            guard $0.key == key, case .binary(let value) = $0.value else { return nil }
            return value
        }
    }

    public func makeIterator() -> some IteratorProtocol<Element> {
        entries.lazy.map { (key: $0.key, value: $0.value) }.makeIterator()
    }
}
