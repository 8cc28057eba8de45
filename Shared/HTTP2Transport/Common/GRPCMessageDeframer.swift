import MessageCompression
import RPCCore

/// One received gRPC message as it came: its bytes, and whether its compressed flag was set
/// (the bytes are then in the stream's `grpc-encoding`, to be decompressed by its reader).
struct ReceivedMessage: Sendable, Equatable {
    var bytes: [UInt8]
    var compressed: Bool
}

/// Splits a stream of DATA payload into gRPC messages (1-byte compressed flag, 4-byte
/// big-endian length, then the message), checking the length before buffering it.
struct GRPCMessageDeframer {
    /// The largest message accepted.
    let maxMessageBytes: Int
    /// Whether messages may be compressed: the stream's `grpc-encoding` names an algorithm.
    var acceptsCompressed = false
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Whether a partial message is buffered.
    var hasPartialMessage: Bool { readIndex < buffer.count }

    /// Bytes of a partial message held.
    var bufferedBytes: Int { buffer.count - readIndex }

    /// Drops what is buffered and frees its storage (the stream failed: nothing more is framed).
    mutating func reset() {
        buffer = []
        readIndex = 0
    }

    /// Adds received bytes and returns the messages now complete.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED for an oversized prefix, INTERNAL for a
    ///   compressed message when no compression is negotiated.
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(RPCError) -> [ReceivedMessage] {
        buffer.append(contentsOf: bytes)
        var messages: [ReceivedMessage] = []
        while buffer.count - readIndex >= 5 {
            let flag = buffer[readIndex]
            let length = Int(buffer[readIndex + 1]) << 24 | Int(buffer[readIndex + 2]) << 16
                | Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4])
            if flag != 0 && !acceptsCompressed {
                throw RPCError(code: .internalError, message: "compressed message received but no grpc-encoding was negotiated")
            }
            if length > maxMessageBytes {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "message of \(length) bytes exceeds the limit of \(maxMessageBytes) bytes")
            }
            guard buffer.count - readIndex - 5 >= length else { break }
            messages.append(ReceivedMessage(bytes: Array(buffer[(readIndex + 5)..<(readIndex + 5 + length)]), compressed: flag != 0))
            readIndex += 5 + length
        }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 16)
            readIndex = 0
        } else if readIndex > 1 << 16 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        return messages
    }
}

/// Frames one message with the 5-byte gRPC prefix; with a compressor, compressed (flag 1)
/// unless that does not make it smaller.
/// - Throws: ``RPCError`` RESOURCE_EXHAUSTED when the (uncompressed) message exceeds `limit`.
func grpcFramed(_ message: [UInt8], limit: Int, compressor: MessageCompressor? = nil) throws(RPCError) -> [UInt8] {
    guard message.count <= limit else {
        throw RPCError(
            code: .resourceExhausted,
            message: "message of \(message.count) bytes exceeds the send limit of \(limit) bytes")
    }
    var message = message
    var flag: UInt8 = 0
    if let compressor {
        let compressed = try compressor.compress(message)
        if compressed.count < message.count {
            message = compressed
            flag = 1
        }
    }
    var framed = [UInt8]()
    framed.reserveCapacity(message.count + 5)
    let length = UInt32(message.count)
    framed.append(flag)
    framed.append(UInt8(truncatingIfNeeded: length >> 24))
    framed.append(UInt8(truncatingIfNeeded: length >> 16))
    framed.append(UInt8(truncatingIfNeeded: length >> 8))
    framed.append(UInt8(truncatingIfNeeded: length))
    framed.append(contentsOf: message)
    return framed
}
