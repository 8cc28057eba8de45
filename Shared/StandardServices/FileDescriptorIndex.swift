import FoundationEssentials

/// The files of serialized `FileDescriptorSet`s, indexed by file name and by the symbols they
/// define. Decodes just the fields reflection needs by walking the protobuf wire format.
struct FileDescriptorIndex: Sendable {
    /// One file: its serialized `FileDescriptorProto`, name, imports and symbols.
    struct File: Sendable {
        var name: String
        var bytes: [UInt8]
        var dependencies: [String]
        var symbols: [String]
        var services: [String]
    }

    /// Thrown for bytes that are not a descriptor set.
    struct MalformedDescriptor: Error, CustomStringConvertible {
        var description: String
    }

    private(set) var files: [String: File] = [:]
    private(set) var fileBySymbol: [String: String] = [:]

    /// Indexes base64-encoded descriptor sets (whitespace ignored).
    init(base64Sets: [String]) throws {
        for text in base64Sets {
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw MalformedDescriptor(description: "a descriptor set is not valid base64")
            }
            var reader = WireReader(Array(data))
            while let (field, value) = try reader.next() {
                guard field == 1, case .bytes(let fileBytes) = value else { continue }
                let file = try Self.parseFile(fileBytes)
                if files[file.name] == nil {
                    files[file.name] = file
                    for symbol in file.symbols { fileBySymbol[symbol] = file.name }
                }
            }
        }
    }

    /// A file and, after it, every file it imports, transitively (each once).
    func fileWithDependencies(_ name: String) -> [File] {
        var result: [File] = []
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.first {
            pending.removeFirst()
            guard !seen.contains(next), let file = files[next] else { continue }
            seen.insert(next)
            result.append(file)
            pending += file.dependencies
        }
        return result
    }

    private static func parseFile(_ bytes: [UInt8]) throws -> File {
        var file = File(name: "", bytes: bytes, dependencies: [], symbols: [], services: [])
        var package = ""
        var messages: [[UInt8]] = []
        var enums: [[UInt8]] = []
        var services: [[UInt8]] = []
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            guard case .bytes(let payload) = value else { continue }
            switch field {
            case 1: file.name = String(decoding: payload, as: UTF8.self)
            case 2: package = String(decoding: payload, as: UTF8.self)
            case 3: file.dependencies.append(String(decoding: payload, as: UTF8.self))
            case 4: messages.append(payload)
            case 5: enums.append(payload)
            case 6: services.append(payload)
            default: break
            }
        }
        let prefix = package.isEmpty ? "" : package + "."
        for message in messages { try collectMessage(message, prefix: prefix, into: &file.symbols) }
        for enumeration in enums { file.symbols.append(prefix + (try name(of: enumeration))) }
        for service in services {
            let serviceName = prefix + (try name(of: service))
            file.symbols.append(serviceName)
            file.services.append(serviceName)
            var reader = WireReader(service)
            while let (field, value) = try reader.next() {
                if field == 2, case .bytes(let method) = value {
                    file.symbols.append(serviceName + "." + (try name(of: method)))
                }
            }
        }
        return file
    }

    private static func collectMessage(_ bytes: [UInt8], prefix: String, into symbols: inout [String]) throws {
        let fullName = prefix + (try name(of: bytes))
        symbols.append(fullName)
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            guard case .bytes(let payload) = value else { continue }
            if field == 3 { try collectMessage(payload, prefix: fullName + ".", into: &symbols) }
            if field == 4 { symbols.append(fullName + "." + (try name(of: payload))) }
        }
    }

    /// Field 1 (`name`) of a descriptor message.
    private static func name(of bytes: [UInt8]) throws -> String {
        var reader = WireReader(bytes)
        while let (field, value) = try reader.next() {
            if field == 1, case .bytes(let payload) = value { return String(decoding: payload, as: UTF8.self) }
        }
        return ""
    }
}

/// Reads protobuf wire-format fields one by one.
struct WireReader {
    enum Value {
        case varint(UInt64)
        case fixed
        case bytes([UInt8])
    }

    private let bytes: [UInt8]
    private var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The next field, or nil at the end.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard index < bytes.count else { return nil }
        let key = try varint()
        let field = Int(key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: try skip(8); return (field, .fixed)
        case 5: try skip(4); return (field, .fixed)
        case 2:
            let length = Int(try varint())
            guard length >= 0, length <= bytes.count - index else { throw FileDescriptorIndex.MalformedDescriptor(description: "truncated field \(field)") }
            defer { index += length }
            return (field, .bytes(Array(bytes[index..<(index + length)])))
        default:
            throw FileDescriptorIndex.MalformedDescriptor(description: "unsupported wire type \(key & 7)")
        }
    }

    private mutating func skip(_ count: Int) throws {
        guard count <= bytes.count - index else { throw FileDescriptorIndex.MalformedDescriptor(description: "truncated fixed field") }
        index += count
    }

    private mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw FileDescriptorIndex.MalformedDescriptor(description: "truncated varint")
    }
}
