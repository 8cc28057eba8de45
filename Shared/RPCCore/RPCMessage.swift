/// A message that travels in an RPC: it can be serialized to bytes and parsed back.
public protocol RPCMessage: Sendable {
    /// Parses a message from its wire bytes.
    /// - Throws: An error describing why the bytes are not a valid message.
    init(serializedBytes: [UInt8]) throws

    /// Serializes the message to its wire bytes.
    /// - Throws: An error when the message cannot be represented on the wire.
    func serializedBytes() throws -> [UInt8]
}
