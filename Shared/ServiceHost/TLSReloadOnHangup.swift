import HTTP2Transport
import Logging
import ServiceLifecycle
import UnixSignals

/// SIGHUP rereads the gRPC port's TLS certificate and key, as web servers do when a
/// certificate was renewed: connections accepted afterwards get the new certificate, open
/// ones keep theirs. A file that cannot be used is logged and the previous certificate kept.
/// In the group only when the host serves TLS and handles signals.
struct TLSReloadOnHangup: Service, CustomStringConvertible {
    var description: String { "TLSReloadOnHangup" }

    private let server: HTTP2Server
    private let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - server: The TLS server whose files are reread.
    ///   - logger: Where each reload (or its failure) is logged.
    init(server: HTTP2Server, logger: Logger) {
        self.server = server
        self.logger = logger
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// Rereads the files once and logs the outcome.
    func reload() {
        let files: Logger.Metadata = [
            "tls.certificate": "\(server.configuration.tls?.certificateChainFile ?? "")",
            "tls.key": "\(server.configuration.tls?.privateKeyFile ?? "")",
        ]
        do {
            try server.reloadTLS()
            logger.info("TLS certificate reloaded", metadata: files)
        } catch {
            logger.error("TLS reload failed; the previous certificate stays", metadata: files.merging(["tls.error": "\(error)"]) { $1 })
        }
    }
}
