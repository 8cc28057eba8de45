internal import CZlib
import RPCCore

/// What the compressor and decompressor share about zlib streams.
enum ZlibStream {
    /// A `z_stream` at a fixed address (zlib keeps a pointer back to it), with zlib's default
    /// allocator, set up by `initialize` (deflateInit2 or inflateInit2).
    /// - Throws: ``RPCError`` INTERNAL when zlib cannot set it up (out of memory).
    static func make(
        doing what: String, _ initialize: (UnsafeMutablePointer<z_stream>) -> Int32
    ) throws(RPCError) -> UnsafeMutablePointer<z_stream> {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = initialize(stream)
        guard status == Z_OK else {
            let error = failure(status, stream, doing: what)
            stream.deallocate()
            throw error
        }
        return stream
    }

    /// zlib's window bits: 15 (32 KiB), plus 16 for the gzip wrapper instead of zlib's.
    static func windowBits(_ algorithm: CompressionAlgorithm) -> Int32 {
        algorithm == .gzip ? 15 + 16 : 15
    }

    /// The error for a zlib status other than success, with zlib's own message when it has one.
    static func failure(_ status: Int32, _ stream: UnsafeMutablePointer<z_stream>, doing what: String) -> RPCError {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        switch status {
        case Z_DATA_ERROR, Z_NEED_DICT:
            return RPCError(code: .internalError, message: "compressed message is corrupt: cannot \(what): \(detail)")
        default:
            return RPCError(code: .internalError, message: "cannot \(what): \(detail)")
        }
    }
}
