internal import CProtobufC

/// What decoding one element of a message takes in memory, counted by ``WireValidator``
/// before libprotobuf-c allocates anything. Each element is paid twice: once as the C struct
/// in the unpack arena and once as the Swift value converted from it. The figures are upper
/// bounds for a 64-bit platform, not exact sizes: the point is that a message of millions of
/// empty elements is refused by its count, not after it was inflated.
enum DecodedSizeEstimate {
    /// Bytes a Swift value adds per element beyond its C struct (array slot, storage header).
    static let swiftOverheadPerElement = 32

    /// A repeated scalar (varint or fixed width): 8 bytes in C and in Swift.
    static let scalarElement = 16

    /// A message: its C struct and Swift value, plus the pointer slot of a repeated field.
    static func message(_ descriptor: ProtobufCMessageDescriptor, repeated: Bool) -> Int {
        2 * Int(descriptor.sizeof_message) + swiftOverheadPerElement + (repeated ? 8 : 0)
    }

    /// A string or bytes value of `length` bytes: its bytes in C (NUL-terminated) and in Swift,
    /// plus the C pointer/length and the Swift value.
    static func lengthDelimited(_ length: Int) -> Int {
        2 * length + 1 + 16 + swiftOverheadPerElement
    }
}
