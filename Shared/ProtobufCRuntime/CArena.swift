internal import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// Owns the C memory of one message being encoded: every allocation is freed together when
/// the arena goes away. Used by generated code only; not thread-safe, never shared.
public final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    /// An empty arena.
    public init() {}

    deinit {
        for allocation in allocations { free(allocation) }
    }

    private func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let memory = calloc(1, max(byteCount, 1)) else {
            fatalError("out of memory allocating \(byteCount) bytes")
        }
        allocations.append(memory)
        return memory
    }

    /// A zeroed protobuf-c message struct, initialized with its descriptor's defaults.
    /// - Parameters:
    ///   - type: The C struct type.
    ///   - descriptor: Its `ProtobufCMessageDescriptor`.
    public func message<CMessage>(_ type: CMessage.Type, descriptor: UnsafeRawPointer) -> UnsafeMutablePointer<CMessage> {
        let memory = allocate(byteCount: MemoryLayout<CMessage>.size)
        protobuf_c_message_init(descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self), memory)
        return memory.assumingMemoryBound(to: CMessage.self)
    }

    /// A NUL-terminated copy of a string.
    /// - Throws: ``ProtobufEncodingError`` when the string contains NUL, which protobuf-c
    ///   strings cannot hold.
    public func string(_ value: String) throws -> UnsafeMutablePointer<CChar> {
        var utf8 = Array(value.utf8)
        if utf8.contains(0) {
            throw ProtobufEncodingError("string \(value.debugDescription) contains a NUL character, which protobuf-c cannot encode")
        }
        utf8.append(0)
        let memory = allocate(byteCount: utf8.count)
        memory.copyMemory(from: utf8, byteCount: utf8.count)
        return memory.assumingMemoryBound(to: CChar.self)
    }

    /// A copy of an array's elements; nil for an empty array.
    public func copy<Element>(_ elements: [Element]) -> UnsafeMutablePointer<Element>? {
        guard !elements.isEmpty else { return nil }
        let memory = allocate(byteCount: MemoryLayout<Element>.stride * elements.count)
        let typed = memory.bindMemory(to: Element.self, capacity: elements.count)
        _ = UnsafeMutableBufferPointer(start: typed, count: elements.count).initialize(from: elements)
        return typed
    }
}

/// Reads values out of unpacked protobuf-c structs. Used by generated code only.
public enum ProtobufCRead {
    /// A C string as a Swift string; NULL reads as empty.
    public static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
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
