internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// Owns the C memory of one message being encoded or decoded: a bump-pointer arena that carves
/// allocations out of large `malloc`'d chunks, all freed together when the arena goes away.
/// Used by generated code only; not thread-safe, never shared.
public final class CArena {
    /// Every allocation is aligned to this many bytes (what `malloc` guarantees on 64-bit).
    private static let alignment = 16
    /// Size of the first chunk; later chunks double, up to ``maximumChunkSize``.
    private static let initialChunkSize = 16 << 10
    private static let maximumChunkSize = 1 << 20

    /// Chunks (and oversized allocations) to free.
    private var chunks: [UnsafeMutableRawPointer] = []
    /// Next free byte of the current chunk, and its end.
    private var next: UnsafeMutableRawPointer?
    private var end: UnsafeMutableRawPointer?
    private var nextChunkSize = CArena.initialChunkSize

    /// An empty arena.
    public init() {}

    deinit {
        for chunk in chunks { free(chunk) }
    }

    /// `byteCount` uninitialized bytes, aligned to 16, valid until the arena goes away.
    @usableFromInline
    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        let size = (max(byteCount, 1) + (Self.alignment - 1)) & ~(Self.alignment - 1)
        if let next, let end, end - next >= size {
            self.next = next + size
            return next
        }
        return allocateSlow(size: size)
    }

    private func allocateSlow(size: Int) -> UnsafeMutableRawPointer {
        // A large allocation gets a block of its own, so the current chunk keeps serving small ones.
        if size > nextChunkSize / 4 {
            let block = mallocOrDie(size)
            chunks.append(block)
            return block
        }
        let chunk = mallocOrDie(nextChunkSize)
        chunks.append(chunk)
        next = chunk + size
        end = chunk + nextChunkSize
        nextChunkSize = min(nextChunkSize * 2, Self.maximumChunkSize)
        return chunk
    }

    private func mallocOrDie(_ size: Int) -> UnsafeMutableRawPointer {
        guard let memory = malloc(size) else { fatalError("out of memory allocating \(size) bytes") }
        return memory
    }

    /// A protobuf-c message struct, initialized with its descriptor's defaults.
    /// - Parameters:
    ///   - type: The C struct type.
    ///   - descriptor: Its `ProtobufCMessageDescriptor`.
    public func message<CMessage>(_ type: CMessage.Type, descriptor: UnsafeRawPointer) -> UnsafeMutablePointer<CMessage> {
        let memory = allocate(byteCount: MemoryLayout<CMessage>.size)
        // message_init assigns the whole struct from the descriptor's static initial value.
        protobuf_c_message_init(descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), memory)
        return memory.assumingMemoryBound(to: CMessage.self)
    }

    /// A NUL-terminated copy of a string.
    /// - Throws: ``ProtobufEncodingError`` when the string contains NUL, which protobuf-c
    ///   strings cannot hold.
    public func string(_ value: String) throws -> UnsafeMutablePointer<CChar> {
        var contiguous = value
        return try contiguous.withUTF8 { utf8 in
            let count = utf8.count
            if count > 0, memchr(utf8.baseAddress!, 0, count) != nil {
                throw ProtobufEncodingError("string \(value.debugDescription) contains a NUL character, which protobuf-c cannot encode")
            }
            let memory = allocate(byteCount: count + 1)
            if count > 0 { memory.copyMemory(from: utf8.baseAddress!, byteCount: count) }
            memory.storeBytes(of: 0, toByteOffset: count, as: UInt8.self)
            return memory.assumingMemoryBound(to: CChar.self)
        }
    }

    /// A copy of an array's elements; nil for an empty array.
    @inlinable
    public func copy<Element>(_ elements: [Element]) -> UnsafeMutablePointer<Element>? {
        elements.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress, !source.isEmpty else { return nil }
            let memory = allocate(byteCount: MemoryLayout<Element>.stride * source.count)
            let typed = memory.bindMemory(to: Element.self, capacity: source.count)
            typed.initialize(from: base, count: source.count)
            return typed
        }
    }

    /// An array of pointers built from each element with `make` (a repeated string or message
    /// field), written straight into the arena; nil for an empty array.
    /// - Throws: What `make` throws.
    @inlinable
    public func pointers<Element, Pointee>(
        _ elements: [Element], _ make: (Element) throws -> UnsafeMutablePointer<Pointee>
    ) rethrows -> UnsafeMutablePointer<UnsafeMutablePointer<Pointee>?>? {
        guard !elements.isEmpty else { return nil }
        let count = elements.count
        let memory = allocate(byteCount: MemoryLayout<UnsafeMutablePointer<Pointee>?>.stride * count)
        let typed = memory.bindMemory(to: UnsafeMutablePointer<Pointee>?.self, capacity: count)
        typed.initialize(repeating: nil, count: count)
        for index in 0..<count {
            typed[index] = try make(elements[index])
        }
        return typed
    }
}

/// Reads values out of unpacked protobuf-c structs. Used by generated code only.
public enum ProtobufCRead {
    /// A C string as a Swift string; NULL reads as empty.
    public static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        let count = strlen(pointer)
        if count == 0 { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: count) {
            String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
        }
    }

    /// A byte buffer as an array.
    public static func bytes(_ pointer: UnsafePointer<UInt8>?, count: Int) -> [UInt8] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    /// A C array as a Swift array.
    public static func array<Element>(_ pointer: UnsafePointer<Element>?, count: Int) -> [Element] {
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }
}
