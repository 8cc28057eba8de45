#if canImport(Glibc)
import Glibc
#endif

/// How the server treats a request header field, decided from its name's bytes without
/// making a string.
enum RequestHeaderName {
    case path
    case contentType
    case encoding
    case acceptEncoding
    case timeout
    /// Pseudo and protocol headers that are neither used nor metadata.
    case ignored
    /// `user-agent`: metadata, usually the same value on every request of a connection.
    case userAgent
    /// Everything else: metadata.
    case other

    init(_ name: UnsafeBufferPointer<UInt8>) {
        if name.first == UInt8(ascii: ":") {
            self = Self.equal(name, ":path") ? .path : .ignored
            return
        }
        switch name.count {
        case 2 where Self.equal(name, "te"): self = .ignored
        case 4 where Self.equal(name, "host"): self = .ignored
        case 10 where Self.equal(name, "user-agent"): self = .userAgent
        case 10 where Self.equal(name, "connection"): self = .ignored
        case 12 where Self.equal(name, "content-type"): self = .contentType
        case 12 where Self.equal(name, "grpc-timeout"): self = .timeout
        case 13 where Self.equal(name, "grpc-encoding"): self = .encoding
        case 20 where Self.equal(name, "grpc-accept-encoding"): self = .acceptEncoding
        default: self = .other
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount
            && memcmp(bytes.baseAddress!, literal.utf8Start, literal.utf8CodeUnitCount) == 0
    }
}
