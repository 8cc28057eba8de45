/// What an ``HTTP2Server`` presents when it serves TLS (`HTTP2ServerConfiguration.tls`): a
/// certificate chain and its private key, both PEM files. The files are read when the server
/// starts and again on ``HTTP2Server/reloadTLS()``; ALPN offers `h2` only.
public struct TLSServerSettings: Sendable, Hashable {
    /// PEM file with the server's certificate first, then any intermediates.
    public var certificateChainFile: String
    /// PEM file with the private key of the first certificate.
    public var privateKeyFile: String

    /// Settings naming the two files.
    /// - Parameters:
    ///   - certificateChainFile: PEM file with the server's certificate, then intermediates.
    ///   - privateKeyFile: PEM file with the certificate's private key.
    public init(certificateChainFile: String, privateKeyFile: String) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}
