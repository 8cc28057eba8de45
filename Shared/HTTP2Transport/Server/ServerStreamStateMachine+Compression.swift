import RPCCore

extension ServerStreamStateMachine {
    /// The call's compression record from its `grpc-encoding` and `grpc-accept-encoding`; nil
    /// when the encoding is one this server does not read (the call fails with UNIMPLEMENTED).
    func requestCompression() -> ServerCallCompression? {
        var requestEncoding = CompressionAlgorithm.identity
        if let encoding {
            guard let algorithm = CompressionAlgorithm(name: encoding) else { return nil }
            requestEncoding = algorithm
        }
        return ServerCallCompression(
            requestEncoding: requestEncoding,
            acceptedEncodings: acceptEncoding.map { CompressionAlgorithm.accepted(by: $0) } ?? [.identity])
    }
}
