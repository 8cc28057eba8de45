internal import CProtobufC

/// Walks encoded bytes with the message's descriptor before libprotobuf-c unpacks them, so
/// that what protobuf-c does not check (nesting depth: it recurses without a limit) or
/// reports only as a failed unpack (truncation, bad lengths, wrong wire types, invalid
/// UTF-8) becomes a typed ``ProtobufDecodingError`` naming the field and the offset.
/// Unknown fields are skipped; groups are rejected.
///
/// It also adds up what decoding will allocate (``DecodedSizeEstimate``) and refuses the
/// bytes before anything is allocated when that exceeds ``DecodingLimits/maxDecodedBytes``:
/// a few wire bytes per empty repeated message become hundreds of bytes of structs.
struct WireValidator {
    let limits: DecodingLimits
    let buffer: UnsafeBufferPointer<UInt8>
    /// What decoding the fields seen so far will allocate (C structs and Swift values).
    private(set) var decodedBytes = 0

    init(limits: DecodingLimits, buffer: UnsafeBufferPointer<UInt8>) {
        self.limits = limits
        self.buffer = buffer
    }

    private enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, startGroup = 3, endGroup = 4, fixed32 = 5
    }

    mutating func validate(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) throws {
        try count(DecodedSizeEstimate.message(descriptor.pointee, repeated: false), offset: 0)
        try scan(from: 0, to: buffer.count, descriptor: descriptor, depth: 0)
    }

    /// Adds what one decoded element will take; throws as soon as the total is over the limit.
    private mutating func count(_ bytes: Int, offset: Int) throws {
        decodedBytes += bytes
        guard decodedBytes <= limits.maxDecodedBytes else {
            throw ProtobufDecodingError(
                .tooLarge, offset: offset,
                "decoding \(buffer.count) bytes would take more than \(limits.maxDecodedBytes) bytes of memory "
                    + "(the limit on decoded size); send fewer elements per message")
        }
    }

    /// The message's full protobuf name, for error messages only.
    private static func name(_ descriptor: UnsafePointer<ProtobufCMessageDescriptor>) -> String {
        String(cString: descriptor.pointee.name)
    }

    /// "Message.field", or "field N of Message" for an unknown field; for error messages only.
    private static func fieldName(
        _ field: UnsafePointer<ProtobufCFieldDescriptor>?, number: UInt64,
        in descriptor: UnsafePointer<ProtobufCMessageDescriptor>
    ) -> String {
        let messageName = name(descriptor)
        return field.map { "\(messageName).\(String(cString: $0.pointee.name))" } ?? "field \(number) of \(messageName)"
    }

    private mutating func scan(
        from start: Int, to end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>, depth: Int
    ) throws {
        guard depth <= limits.maxDepth else {
            throw ProtobufDecodingError(
                .tooDeep, offset: start, "\(Self.name(descriptor)) is nested deeper than \(limits.maxDepth) messages")
        }
        var position = start
        while position < end {
            let tagOffset = position
            let tag = try readVarint(&position, end: end, what: "a field tag in \(Self.name(descriptor))")
            let number = tag >> 3
            guard number >= 1, number <= 536_870_911 else {
                throw ProtobufDecodingError(
                    .malformed, offset: tagOffset, "field number \(number) in \(Self.name(descriptor)) is out of range")
            }
            guard let wireType = WireType(rawValue: tag & 7) else {
                throw ProtobufDecodingError(
                    .invalidWireType, offset: tagOffset,
                    "wire type \(tag & 7) of field \(number) in \(Self.name(descriptor)) does not exist")
            }
            let field = protobuf_c_message_descriptor_get_field(descriptor, UInt32(number))
            if let field, !accepts(field.pointee, wireType) {
                throw ProtobufDecodingError(
                    .invalidWireType, offset: tagOffset,
                    "\(Self.fieldName(field, number: number, in: descriptor)) cannot be encoded with wire type \(wireType.rawValue)")
            }
            if let field, wireType != .lengthDelimited, field.pointee.label == PROTOBUF_C_LABEL_REPEATED {
                try count(DecodedSizeEstimate.scalarElement, offset: tagOffset)
            }
            switch wireType {
            case .varint:
                _ = try readVarint(&position, end: end, what: Self.fieldName(field, number: number, in: descriptor))
            case .fixed64:
                try skip(8, &position, end: end, what: Self.fieldName(field, number: number, in: descriptor))
            case .fixed32:
                try skip(4, &position, end: end, what: Self.fieldName(field, number: number, in: descriptor))
            case .lengthDelimited:
                let length = try readVarint(
                    &position, end: end, what: "the length of \(Self.fieldName(field, number: number, in: descriptor))")
                guard length <= UInt64(end - position) else {
                    throw ProtobufDecodingError(
                        .lengthOutOfBounds, offset: tagOffset,
                        "\(Self.fieldName(field, number: number, in: descriptor)) claims \(length) bytes but only \(end - position) remain")
                }
                let payloadEnd = position + Int(length)
                if let field {
                    try checkPayload(
                        field.pointee, from: position, to: payloadEnd,
                        name: Self.fieldName(field, number: number, in: descriptor), depth: depth)
                }
                position = payloadEnd
            case .startGroup, .endGroup:
                throw ProtobufDecodingError(
                    .invalidWireType, offset: tagOffset,
                    "\(Self.fieldName(field, number: number, in: descriptor)) uses a group, which is not supported")
            }
        }
    }

    private mutating func checkPayload(
        _ field: ProtobufCFieldDescriptor, from start: Int, to end: Int, name: @autoclosure () -> String, depth: Int
    ) throws {
        let repeated = field.label == PROTOBUF_C_LABEL_REPEATED
        switch field.type {
        case PROTOBUF_C_TYPE_MESSAGE:
            let nested = field.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
            try count(DecodedSizeEstimate.message(nested.pointee, repeated: repeated), offset: start)
            try scan(from: start, to: end, descriptor: nested, depth: depth + 1)
        case PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES:
            try count(DecodedSizeEstimate.lengthDelimited(end - start), offset: start)
            if field.type == PROTOBUF_C_TYPE_STRING { try checkUTF8(from: start, to: end, name: name()) }
        default:
            let elements = try checkPacked(field, from: start, to: end, name: name())
            try count(elements * DecodedSizeEstimate.scalarElement, offset: start)
        }
    }

    /// Checks a packed run and returns how many elements it holds.
    private func checkPacked(
        _ field: ProtobufCFieldDescriptor, from start: Int, to end: Int, name: @autoclosure () -> String
    ) throws -> Int {
        if let width = Self.fixedWidth(field.type) {
            guard (end - start) % width == 0 else {
                throw ProtobufDecodingError(
                    .malformed, offset: start, "packed \(name()) holds \(end - start) bytes, not a multiple of \(width)")
            }
            return (end - start) / width
        }
        var position = start
        var elements = 0
        while position < end {
            _ = try readVarint(&position, end: end, what: "an element of packed \(name())")
            elements += 1
        }
        return elements
    }

    private func checkUTF8(from start: Int, to end: Int, name: @autoclosure () -> String) throws {
        // Fast path: 8 bytes at a time while they are all ASCII and none is NUL.
        var position = start
        if let base = buffer.baseAddress {
            let high: UInt64 = 0x8080_8080_8080_8080
            let ones: UInt64 = 0x0101_0101_0101_0101
            while end - position >= 8 {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                // Any byte ≥ 0x80, or any zero byte (the classic "has zero byte" test).
                if (word | ((word &- ones) & ~word)) & high != 0 { break }
                position += 8
            }
            while position < end, base[position] != 0, base[position] < 0x80 { position += 1 }
            if position == end { return }
        }
        // Slow path from a character boundary (everything before `position` was ASCII).
        var iterator = UnsafeBufferPointer(rebasing: buffer[position..<end]).makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\0" {
                    throw ProtobufDecodingError(.invalidUTF8, offset: start, "\(name()) contains a NUL character")
                }
            case .emptyInput:
                return
            case .error:
                throw ProtobufDecodingError(.invalidUTF8, offset: start, "\(name()) is not valid UTF-8")
            }
        }
    }

    /// Whether a field of this descriptor may arrive with this wire type (repeated scalars
    /// may also arrive packed, as a length-delimited run).
    private func accepts(_ field: ProtobufCFieldDescriptor, _ wireType: WireType) -> Bool {
        let repeated = field.label == PROTOBUF_C_LABEL_REPEATED
        switch field.type {
        case PROTOBUF_C_TYPE_MESSAGE, PROTOBUF_C_TYPE_STRING, PROTOBUF_C_TYPE_BYTES:
            return wireType == .lengthDelimited
        default:
            if repeated && wireType == .lengthDelimited { return true }
            switch Self.fixedWidth(field.type) {
            case 8: return wireType == .fixed64
            case 4: return wireType == .fixed32
            default: return wireType == .varint
            }
        }
    }

    private static func fixedWidth(_ type: ProtobufCType) -> Int? {
        switch type {
        case PROTOBUF_C_TYPE_FIXED64, PROTOBUF_C_TYPE_SFIXED64, PROTOBUF_C_TYPE_DOUBLE: return 8
        case PROTOBUF_C_TYPE_FIXED32, PROTOBUF_C_TYPE_SFIXED32, PROTOBUF_C_TYPE_FLOAT: return 4
        default: return nil
        }
    }

    @inline(__always)
    private func readVarint(_ position: inout Int, end: Int, what: @autoclosure () -> String) throws -> UInt64 {
        // Fast path: most tags and lengths fit in one byte.
        if position < end, case let byte = buffer[position], byte < 0x80 {
            position += 1
            return UInt64(byte)
        }
        return try readLongVarint(&position, end: end, what: what())
    }

    private func readLongVarint(_ position: inout Int, end: Int, what: @autoclosure () -> String) throws -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else {
                throw ProtobufDecodingError(.truncated, offset: start, "input ends inside \(what())")
            }
            let byte = buffer[position]
            position += 1
            guard shift < 64, !(shift == 63 && byte > 1) else {
                throw ProtobufDecodingError(.malformed, offset: start, "\(what()) is a varint longer than 10 bytes")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
    }

    private func skip(_ count: Int, _ position: inout Int, end: Int, what: @autoclosure () -> String) throws {
        guard end - position >= count else {
            throw ProtobufDecodingError(.truncated, offset: position, "input ends inside \(what())")
        }
        position += count
    }
}
