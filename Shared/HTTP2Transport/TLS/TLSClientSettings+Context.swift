import NIOCore
import NIOSSL

extension TLSClientSettings {
    /// A client context: full verification against ``trustRootsFile``, ALPN `h2`, TLS 1.2 or later.
    func makeContext() throws(TLSSetupError) -> NIOSSLContext {
        let roots = try TLSFiles.certificates(trustRootsFile, role: "trusted CA")
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(roots)
        configuration.certificateVerification = .fullVerification
        return try configuration.makeGRPCContext(failure: "no TLS client context with the CAs of '\(trustRootsFile)'")
    }

    /// The name sent as SNI and verified against the certificate: ``serverName``, else the host.
    /// nil for an IP address, which NIOSSL then verifies against the connected address.
    func serverHostname(connectingTo host: String) -> String? {
        let name = serverName ?? host
        return (try? SocketAddress(ipAddress: name, port: 0)) == nil ? name : nil
    }
}
