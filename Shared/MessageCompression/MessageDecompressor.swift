internal import CZlib
public import RPCCore

/// Decompresses gRPC messages with one algorithm, owning one zlib inflate stream that is reset
/// for each message. Output is produced in steps of at most ``stepBytes`` and checked against
/// the caller's limit after each step, so a compression bomb is refused after inflating at
/// most `limit + 1` bytes, not all of it. Not `Sendable`: a holder shared between tasks keeps
/// it behind a lock.
public final class MessageDecompressor {
    /// The algorithm, never `.identity`.
    public let algorithm: CompressionAlgorithm
    /// The most bytes inflated in one step.
    public let stepBytes: Int
    /// Bytes the last ``decompress(_:limit:)`` produced, including those of a refused message
    /// (never more than its `limit + 1`).
    public private(set) var lastOutputBytes = 0
    /// Compressed bytes the last ``decompress(_:limit:)`` consumed (fewer than it was given
    /// when it stopped early).
    public private(set) var lastInputBytes = 0
    private let stream: UnsafeMutablePointer<z_stream>
    private var step: [UInt8]

    /// Creates a decompressor.
    /// - Parameters:
    ///   - algorithm: `.gzip` or `.deflate`.
    ///   - stepBytes: The most bytes inflated between two checks of the limit.
    /// - Throws: ``RPCError`` INTERNAL when zlib cannot set up its stream (out of memory).
    public init(_ algorithm: CompressionAlgorithm, stepBytes: Int = 64 << 10) throws(RPCError) {
        precondition(algorithm != .identity, "identity is not a compression")
        precondition(stepBytes > 0)
        self.algorithm = algorithm
        self.stepBytes = stepBytes
        self.step = [UInt8](repeating: 0, count: stepBytes)
        stream = try ZlibStream.make(doing: "set up \(algorithm.name) decompression") { czlib_inflate_init($0, ZlibStream.windowBits(algorithm)) }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// The message decompressed.
    /// - Parameters:
    ///   - compressed: One whole compressed message.
    ///   - limit: The largest decompressed size accepted.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED as soon as the output exceeds `limit`;
    ///   INTERNAL for corrupt or truncated data, or bytes after the compressed stream.
    public func decompress(_ compressed: [UInt8], limit: Int) throws(RPCError) -> [UInt8] {
        inflateReset(stream)
        let cap = limit == .max ? limit : limit + 1
        var output: [UInt8] = []
        var status = Z_OK
        var stalled = false
        compressed.withUnsafeBufferPointer { input in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.pointee.avail_in = uInt(input.count)
            step.withUnsafeMutableBufferPointer { step in
                // Never more than `limit + 1` bytes in all: one beyond the limit is enough to refuse.
                while output.count < cap {
                    let room = min(step.count, cap - output.count)
                    stream.pointee.next_out = step.baseAddress
                    stream.pointee.avail_out = uInt(room)
                    status = inflate(stream, Z_NO_FLUSH)
                    let produced = room - Int(stream.pointee.avail_out)
                    output.append(contentsOf: step[0..<produced])
                    guard status == Z_OK else { break }
                    // All input taken and room left over: zlib waits for more input, and there is none.
                    if stream.pointee.avail_in == 0 && produced < room {
                        stalled = true
                        break
                    }
                }
            }
            lastInputBytes = input.count - Int(stream.pointee.avail_in)
        }
        lastOutputBytes = output.count
        if output.count > limit {
            throw RPCError(
                code: .resourceExhausted,
                message: "decompressed message exceeds the limit of \(limit) bytes (\(algorithm.name))")
        }
        switch status {
        case Z_STREAM_END:
            guard lastInputBytes == compressed.count else {
                throw RPCError(
                    code: .internalError,
                    message: "\(compressed.count - lastInputBytes) bytes follow the \(algorithm.name) data of a message")
            }
            return output
        case Z_OK where stalled, Z_BUF_ERROR:
            throw RPCError(code: .internalError, message: "compressed message is truncated (\(algorithm.name))")
        default:
            throw ZlibStream.failure(status, stream, doing: "\(algorithm.name)-decompress a message")
        }
    }
}
