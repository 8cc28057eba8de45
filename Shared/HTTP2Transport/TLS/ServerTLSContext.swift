import NIOSSL
import Synchronization

/// The TLS context a server's new connections get. A reload replaces it whole, so a
/// connection keeps the certificate it was accepted with while new ones get the new one.
final class ServerTLSContext: Sendable {
    /// The files read on each load.
    let settings: TLSServerSettings
    private let current = Mutex<NIOSSLContext?>(nil)

    init(settings: TLSServerSettings) {
        self.settings = settings
    }

    /// Whether a context was loaded.
    var isLoaded: Bool { current.withLock { $0 != nil } }

    /// Reads the files and makes the context new connections get; on failure the previous
    /// context stays.
    func reload() throws(TLSSetupError) {
        let context = try Self.makeContext(settings)
        current.withLock { $0 = context }
    }

    /// The TLS handler of a new connection (on its loop), with the current context.
    func makeHandler() -> NIOSSLServerHandler? {
        current.withLock { $0 }.map { NIOSSLServerHandler(context: $0) }
    }

    private static func makeContext(_ settings: TLSServerSettings) throws(TLSSetupError) -> NIOSSLContext {
        let chain = try TLSFiles.certificates(settings.certificateChainFile, role: "certificate chain")
        let key = try TLSFiles.privateKey(settings.privateKeyFile)
        return try TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            .makeGRPCContext(
                failure: "the TLS certificate chain '\(settings.certificateChainFile)' and private key '\(settings.privateKeyFile)' cannot be used together")
    }
}
