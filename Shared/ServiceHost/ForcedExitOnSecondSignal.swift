#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import ServiceLifecycle
import UnixSignals

/// The first SIGTERM/SIGINT starts the graceful shutdown (the group handles it); a second one
/// means the operator will not wait: exit at once with status 1. Listed before the gRPC
/// server, so its own graceful shutdown comes only after the server has drained.
struct ForcedExitOnSecondSignal: Service, CustomStringConvertible {
    var description: String { "ForcedExitOnSecondSignal" }

    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        var received = 0
        for await signal in signals.cancelOnGracefulShutdown() {
            received += 1
            if received >= 2 {
                logger.warning("second signal: exiting without waiting for the shutdown", metadata: ["signal": "\(signal)"])
                exit(1)
            }
        }
    }
}
