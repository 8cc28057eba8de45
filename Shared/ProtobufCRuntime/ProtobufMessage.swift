public import RPCCore

/// A generated protobuf message: a value type that encodes to and decodes from the protobuf
/// wire format through libprotobuf-c.
public protocol ProtobufMessage: RPCMessage, Equatable {
    /// A message with every field at its default.
    init()

    /// The fully-qualified protobuf name, e.g. `lifelong.v1.Task`.
    static var protoMessageName: String { get }

    /// Parses a message, enforcing the given limits before libprotobuf-c sees the bytes.
    /// - Throws: ``ProtobufDecodingError``.
    init(serializedBytes: [UInt8], limits: DecodingLimits) throws
}

extension ProtobufMessage {
    /// Parses a message with the default limits.
    /// - Throws: ``ProtobufDecodingError``.
    public init(serializedBytes bytes: [UInt8]) throws {
        try self.init(serializedBytes: bytes, limits: .default)
    }
}

/// Limits checked on encoded bytes before they are unpacked.
public struct DecodingLimits: Sendable, Hashable {
    /// Largest encoded message accepted, in bytes.
    public var maxMessageBytes: Int = 64 << 20
    /// Deepest nesting of messages accepted (the top-level message is depth 0).
    public var maxDepth: Int = 100
    /// Most memory decoding may take, as estimated from the encoded bytes before anything is
    /// allocated (see ``DecodedSizeEstimate``): bounds messages of many tiny elements, where
    /// two wire bytes become a few hundred bytes of structs.
    public var maxDecodedBytes: Int = 128 << 20

    /// Creates limits.
    public init(maxMessageBytes: Int = 64 << 20, maxDepth: Int = 100, maxDecodedBytes: Int = 128 << 20) {
        self.maxMessageBytes = maxMessageBytes
        self.maxDepth = maxDepth
        self.maxDecodedBytes = maxDecodedBytes
    }

    /// 64 MiB, depth 100 (the depth protobuf's own parsers allow), 128 MiB decoded.
    public static let `default` = DecodingLimits()
}

/// Why bytes could not be decoded as a message.
public struct ProtobufDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of decoding failure.
    public enum Code: String, Sendable, Hashable {
        /// The input ends inside a tag, a varint or a fixed-width value.
        case truncated
        /// A field's wire type is invalid, unsupported (groups), or wrong for its declared type.
        case invalidWireType
        /// A length prefix points beyond the end of the input.
        case lengthOutOfBounds
        /// Messages are nested deeper than ``DecodingLimits/maxDepth``.
        case tooDeep
        /// The input is larger than ``DecodingLimits/maxMessageBytes``, or decoding it would
        /// take more than ``DecodingLimits/maxDecodedBytes``.
        case tooLarge
        /// A string field is not valid UTF-8 or contains a NUL character.
        case invalidUTF8
        /// Anything else: a zero field number, an over-long varint, a bad packed field.
        case malformed
    }

    /// What went wrong.
    public var code: Code
    /// Byte offset in the top-level input where it went wrong.
    public var offset: Int
    /// A message naming the field or value at fault.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, offset: Int, _ message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(code.rawValue) at byte \(offset): \(message)" }
}

extension ProtobufDecodingError: RPCErrorConvertible {
    /// RESOURCE_EXHAUSTED for a message over a size limit, INTERNAL (gRPC's status for a
    /// message that cannot be parsed) otherwise.
    public var rpcError: RPCError {
        RPCError(code: code == .tooLarge ? .resourceExhausted : .internalError, message: description, cause: self)
    }
}

/// Why a message could not be encoded.
public struct ProtobufEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A message naming the value at fault.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Heap storage for a message field that (indirectly) contains its own type.
public final class ProtobufBox<Value: Sendable & Equatable>: Sendable, Equatable {
    /// The boxed value.
    public let value: Value

    /// Boxes a value.
    public init(_ value: Value) { self.value = value }

    public static func == (lhs: ProtobufBox, rhs: ProtobufBox) -> Bool { lhs.value == rhs.value }
}
