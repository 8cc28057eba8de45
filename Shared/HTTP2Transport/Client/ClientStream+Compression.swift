import RPCCore

extension ClientStream {
    /// Takes the response's `grpc-encoding`: compressed messages are then read in it.
    /// - Returns: The error that fails the call when the encoding is one this client does not read.
    func acceptResponseEncoding(_ header: String?) -> RPCError? {
        guard let header else { return nil }
        guard let encoding = CompressionAlgorithm(name: header) else {
            return RPCError(
                code: .internalError,
                message: "the server's grpc-encoding '\(header)' is not supported (supported: \(CompressionAlgorithm.acceptEncodingHeader))")
        }
        guard encoding != .identity else { return nil }
        deframer.acceptsCompressed = true
        decoder = ReceivedMessageDecoder(encoding: encoding, maxMessageBytes: deframer.maxMessageBytes)
        return nil
    }

    /// A response message's bytes, decompressed when it was compressed.
    /// - Throws: ``RPCError`` RESOURCE_EXHAUSTED beyond the receive limit, INTERNAL when corrupt.
    func decode(_ message: ReceivedMessage) throws(RPCError) -> [UInt8] {
        guard let decoder else { return message.bytes }
        return try decoder.decode(message)
    }
}
