import RPCCore

/// Splits a stream of DATA payload into gRPC messages (1-byte compressed flag, 4-byte
/// big-endian length, then the message), checking the length before buffering it.
struct GRPCMessageDeframer {
    /// The largest message accepted.
    let maxMessageBytes: Int
    private var buffer: [UInt8] = []
    private var readIndex = 0

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Whether a partial message is buffered.
    var hasPartialMessage: Bool { readIndex < buffer.count }

    /// Adds received bytes and returns the messages now complete.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED for an oversized prefix, INTERNAL for a
    ///   compressed message (no compression is negotiated).
    mutating func append(_ bytes: UnsafeRawBufferPointer) throws(RPCError) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        while buffer.count - readIndex >= 5 {
            let flag = buffer[readIndex]
            let length = Int(buffer[readIndex + 1]) << 24 | Int(buffer[readIndex + 2]) << 16
                | Int(buffer[readIndex + 3]) << 8 | Int(buffer[readIndex + 4])
            if flag != 0 {
                throw RPCError(code: .internalError, message: "compressed message received but no grpc-encoding was negotiated")
            }
            if length > maxMessageBytes {
                throw RPCError(
                    code: .resourceExhausted,
                    message: "message of \(length) bytes exceeds the limit of \(maxMessageBytes) bytes")
            }
            guard buffer.count - readIndex - 5 >= length else { break }
            messages.append(Array(buffer[(readIndex + 5)..<(readIndex + 5 + length)]))
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

/// Frames one message with the 5-byte gRPC prefix.
/// - Throws: ``RPCError`` RESOURCE_EXHAUSTED when the message exceeds `limit`.
func grpcFramed(_ message: [UInt8], limit: Int) throws(RPCError) -> [UInt8] {
    guard message.count <= limit else {
        throw RPCError(
            code: .resourceExhausted,
            message: "message of \(message.count) bytes exceeds the send limit of \(limit) bytes")
    }
    var framed = [UInt8]()
    framed.reserveCapacity(message.count + 5)
    let length = UInt32(message.count)
    framed.append(0)
    framed.append(UInt8(truncatingIfNeeded: length >> 24))
    framed.append(UInt8(truncatingIfNeeded: length >> 16))
    framed.append(UInt8(truncatingIfNeeded: length >> 8))
    framed.append(UInt8(truncatingIfNeeded: length))
    framed.append(contentsOf: message)
    return framed
}
