internal import CProtobufC

/// Encodes and decodes messages with libprotobuf-c. Used by generated code only.
public enum ProtobufCCodec {
    /// Packs the message that `build` writes into an arena.
    /// - Parameters:
    ///   - descriptor: The message's `ProtobufCMessageDescriptor`.
    ///   - build: Builds the C struct and returns its address.
    /// - Throws: What `build` throws (``ProtobufEncodingError``).
    public static func encode(
        descriptor: UnsafeRawPointer, build: (CArena) throws -> UnsafeMutableRawPointer
    ) throws -> [UInt8] {
        let arena = CArena()
        let message = try build(arena).assumingMemoryBound(to: ProtobufCMessage.self)
        let size = protobuf_c_message_get_packed_size(message)
        guard size > 0 else { return [] }
        return withExtendedLifetime(arena) {
            [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
                count = protobuf_c_message_pack(message, buffer.baseAddress!)
            }
        }
    }

    /// Validates bytes against the message's descriptor and limits, unpacks them with
    /// libprotobuf-c into an arena and converts the C struct with `convert`.
    /// - Throws: ``ProtobufDecodingError``.
    public static func decode<Value>(
        _ bytes: [UInt8], descriptor: UnsafeRawPointer, limits: DecodingLimits,
        convert: (UnsafeRawPointer) -> Value
    ) throws -> Value {
        guard bytes.count <= limits.maxMessageBytes else {
            throw ProtobufDecodingError(
                .tooLarge, offset: 0, "\(bytes.count) bytes exceed the limit of \(limits.maxMessageBytes)")
        }
        let messageDescriptor = descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
        return try bytes.withUnsafeBufferPointer { buffer in
            var validator = WireValidator(limits: limits, buffer: buffer)
            try validator.validate(messageDescriptor)
            // Every allocation of the unpack comes from one arena, freed at once afterwards
            // (instead of protobuf_c_message_free_unpacked walking the struct).
            let arena = CArena()
            return try withExtendedLifetime(arena) {
                var allocator = ProtobufCAllocator(
                    alloc: { data, size in
                        Unmanaged<CArena>.fromOpaque(data!).takeUnretainedValue().allocate(byteCount: size)
                    },
                    free: { _, _ in },
                    allocator_data: Unmanaged.passUnretained(arena).toOpaque())
                let unpack = { (base: UnsafePointer<UInt8>) in
                    protobuf_c_message_unpack(messageDescriptor, &allocator, buffer.count, base)
                }
                // An empty array may have no address; protobuf-c reads nothing from it then.
                let unpacked = buffer.baseAddress.map(unpack) ?? [UInt8(0)].withUnsafeBufferPointer { unpack($0.baseAddress!) }
                guard let unpacked else {
                    throw ProtobufDecodingError(.malformed, offset: 0, "libprotobuf-c rejected the \(bytes.count) bytes")
                }
                return convert(UnsafeRawPointer(unpacked))
            }
        }
    }
}
