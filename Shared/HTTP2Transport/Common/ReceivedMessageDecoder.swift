import MessageCompression
import RPCCore
import Synchronization

/// Turns a stream's received messages into their bytes: a compressed one is decompressed in
/// the stream's `grpc-encoding`, by a bounded inflate that stops as soon as the output exceeds
/// the message limit. A server decodes in the handler's task as it takes each message (so
/// the connection's loop never inflates, and a queue holds compressed bytes only); a client
/// on its loop.
struct ReceivedMessageDecoder: Sendable {
    /// The stream's `grpc-encoding`.
    let encoding: CompressionAlgorithm
    /// The largest decompressed message accepted.
    let maxMessageBytes: Int
    /// A server call's record, told whether each message handed on was compressed.
    let record: ServerCallCompression?
    /// The decompressor, made on the first compressed message; none for `.identity`.
    private let decompressor: LockedDecompressor?

    init(encoding: CompressionAlgorithm, maxMessageBytes: Int, record: ServerCallCompression? = nil) {
        self.encoding = encoding
        self.maxMessageBytes = maxMessageBytes
        self.record = record
        self.decompressor = encoding == .identity ? nil : LockedDecompressor()
    }

    /// The message's bytes, decompressed when its compressed flag was set.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED when it inflates beyond the limit, INTERNAL
    ///   when its compressed bytes are corrupt.
    func decode(_ message: ReceivedMessage) throws(RPCError) -> [UInt8] {
        // Under identity nothing is compressed (the deframer refuses the flag): nothing to record.
        guard let decompressor else { return message.bytes }
        record?.handingOverRequestMessage(compressed: message.compressed)
        guard message.compressed else { return message.bytes }
        return try decompressor.decompress(message.bytes, encoding: encoding, limit: maxMessageBytes)
    }

    /// The messages of a sequence, decoded as the reader takes them.
    func messages(_ received: RPCAsyncSequence<ReceivedMessage>) -> RPCAsyncSequence<[UInt8]> {
        received.map { try decode($0) }
    }
}

/// A decompressor shared by the tasks that may read one stream's messages.
private final class LockedDecompressor: Sendable {
    private let decompressor = Mutex<MessageDecompressor?>(nil)

    func decompress(_ bytes: [UInt8], encoding: CompressionAlgorithm, limit: Int) throws(RPCError) -> [UInt8] {
        try decompressor.withLock { (decompressor: inout MessageDecompressor?) throws(RPCError) -> [UInt8] in
            if decompressor == nil { decompressor = try MessageDecompressor(encoding) }
            return try decompressor!.decompress(bytes, limit: limit)
        }
    }
}
