@testable import HTTP2Transport

/// `[1, 2, 3]` is an uncompressed received message, so expectations read as bytes.
extension ReceivedMessage: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: UInt8...) {
        self.init(bytes: elements, compressed: false)
    }
}
