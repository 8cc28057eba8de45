/// How an ``HTTP2ClientTransport`` speaks TLS (`HTTP2ClientConfiguration.tls`): the server's
/// certificate must chain to a CA in ``trustRootsFile`` and name the server (its host name, or
/// its IP address in a subjectAltName), ALPN must agree on `h2`.
public struct TLSClientSettings: Sendable, Hashable {
    /// PEM file with the CA certificates trusted to sign the server's certificate.
    public var trustRootsFile: String
    /// The name the server's certificate must carry, when it is not the host connected to
    /// (e.g. connecting to an address behind a name). Also sent as SNI unless an IP address.
    public var serverName: String?

    /// Settings trusting the CAs of one file.
    /// - Parameters:
    ///   - trustRootsFile: PEM file with the trusted CA certificates.
    ///   - serverName: The name to verify instead of the transport's host; nil = the host.
    public init(trustRootsFile: String, serverName: String? = nil) {
        self.trustRootsFile = trustRootsFile
        self.serverName = serverName
    }
}
