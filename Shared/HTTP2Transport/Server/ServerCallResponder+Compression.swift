import MessageCompression
import RPCCore

/// The response encoding of a call: decided by its first message, then used per message.
struct ResponseEncoder {
    /// The call's `grpc-encoding`, once the first message decided it.
    var encoding: CompressionAlgorithm?
    /// Made on the first message to compress.
    var compressor: MessageCompressor?
}

extension ServerCallResponder {
    /// Frames a response message, compressed when the call's ``ServerCallCompression`` asks
    /// for the call's encoding. The first message fixes that encoding (it goes in the response
    /// headers with it): what the handler asks for then, when the client accepts it.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED when the message exceeds the send limit.
    func frame(_ message: [UInt8]) throws(RPCError) -> [UInt8] {
        let compression = self.compression
        let limit = maxSendMessageBytes
        return try encoder.withLock { (encoder: inout ResponseEncoder) throws(RPCError) -> [UInt8] in
            let wanted = compression.responseCompression
            let encoding = encoder.encoding ?? Self.encoding(wanted, accepted: compression.acceptedEncodings)
            encoder.encoding = encoding
            guard encoding != .identity, wanted == encoding else { return try grpcFramed(message, limit: limit) }
            if encoder.compressor == nil { encoder.compressor = try MessageCompressor(encoding) }
            return try grpcFramed(message, limit: limit, compressor: encoder.compressor)
        }
    }

    /// The `grpc-encoding` of the response headers: identity until a message decided it.
    var responseEncoding: CompressionAlgorithm {
        encoder.withLock { $0.encoding ?? .identity }
    }

    private static func encoding(_ wanted: CompressionAlgorithm?, accepted: Set<CompressionAlgorithm>) -> CompressionAlgorithm {
        guard let wanted, accepted.contains(wanted) else { return .identity }
        return wanted
    }
}
