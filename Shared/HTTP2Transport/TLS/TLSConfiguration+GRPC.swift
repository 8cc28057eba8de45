import NIOSSL

extension TLSConfiguration {
    /// The context of this configuration with what both sides of ours require: ALPN `h2` and
    /// TLS 1.2 or later.
    /// - Parameter message: What the ``TLSSetupError`` says when NIOSSL refuses the configuration.
    func makeGRPCContext(failure message: @autoclosure () -> String) throws(TLSSetupError) -> NIOSSLContext {
        var configuration = self
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError(code: .invalidConfiguration, message: message(), cause: error)
        }
    }
}
