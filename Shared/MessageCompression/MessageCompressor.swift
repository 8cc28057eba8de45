internal import CZlib
public import RPCCore

/// Compresses gRPC messages with one algorithm, owning one zlib deflate stream that is reset
/// for each message (its 256 KiB of state are allocated once). Not `Sendable`: a holder
/// shared between tasks keeps it behind a lock.
public final class MessageCompressor {
    /// The algorithm, never `.identity`.
    public let algorithm: CompressionAlgorithm
    private let stream: UnsafeMutablePointer<z_stream>

    /// Creates a compressor.
    /// - Parameter algorithm: `.gzip` or `.deflate`.
    /// - Throws: ``RPCError`` INTERNAL when zlib cannot set up its stream (out of memory).
    public init(_ algorithm: CompressionAlgorithm) throws(RPCError) {
        precondition(algorithm != .identity, "identity is not a compression")
        self.algorithm = algorithm
        stream = try ZlibStream.make(doing: "set up \(algorithm.name) compression") { czlib_deflate_init($0, Z_DEFAULT_COMPRESSION, ZlibStream.windowBits(algorithm)) }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The message compressed, in one pass into a buffer of zlib's worst-case size.
    /// - Throws: ``RPCError`` INTERNAL when zlib fails (it does not for valid input).
    public func compress(_ message: [UInt8]) throws(RPCError) -> [UInt8] {
        deflateReset(stream)
        let bound = Int(deflateBound(stream, uLong(message.count)))
        var status = Z_OK
        let output = message.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = buffer.baseAddress
                stream.pointee.avail_out = uInt(bound)
                status = deflate(stream, Z_FINISH)
                count = bound - Int(stream.pointee.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            throw ZlibStream.failure(status, stream, doing: "\(algorithm.name)-compress a message")
        }
        return output
    }
}
