#if canImport(Glibc)
import Glibc
#endif

/// The last `:path`, `content-type` and `user-agent` values of a connection: most requests
/// repeat them, so the same strings are reused instead of decoding new ones.
struct RequestHeaderStrings {
    private var path = ""
    private var contentType = ""
    private var userAgent = ""

    init() {}

    mutating func path(_ bytes: UnsafeBufferPointer<UInt8>) -> String { Self.reuse(&path, bytes) }
    mutating func contentType(_ bytes: UnsafeBufferPointer<UInt8>) -> String { Self.reuse(&contentType, bytes) }
    mutating func userAgent(_ bytes: UnsafeBufferPointer<UInt8>) -> String { Self.reuse(&userAgent, bytes) }

    /// `cached` when it holds these bytes, else a new string (kept in `cached` for next time).
    private static func reuse(_ cached: inout String, _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var cachedCopy = cached
        let same = cachedCopy.withUTF8 {
            $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        if !same { cached = String(decoding: bytes, as: UTF8.self) }
        return cached
    }
}
