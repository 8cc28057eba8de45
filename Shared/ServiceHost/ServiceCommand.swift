public import ArgumentParser
import FoundationEssentials
public import Logging

/// An executable hosted by ``ServiceHost``: an `AsyncParsableCommand` with an identity.
/// Mark the command `@main`; its options come from flags, then `<PREFIX>_*` variables, then
/// defaults.
///
/// ```swift
/// @main struct LifelongKB: ServiceCommand {
///     static let identity = ServiceIdentity(executable: "lifelong-kb", environmentPrefix: "LIFELONG_KB", defaultPort: 7101, loggerLabel: "lifelong.kb")
///     @OptionGroup var host: HostOptions
///     func run() async throws { ... }
/// }
/// ```
public protocol ServiceCommand: AsyncParsableCommand {
    /// Who the executable is.
    static var identity: ServiceIdentity { get }
}

extension ServiceCommand {
    /// Parses flags and environment, then runs the command; exits with ArgumentParser's
    /// conventions (usage errors print help and exit 64).
    public static func main() async {
        ServiceIdentity.current = identity
        do {
            let arguments = try EnvironmentArguments.resolve(
                Self.self, identity: identity, environment: ProcessInfo.processInfo.environment,
                arguments: Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

extension ServiceCommand {
    /// Sets the process up as every service does before it builds anything: logging at the
    /// level and in the format `host` asks for, and a metrics registry made the process-wide
    /// swift-metrics backend. Call once, first thing in `run()`.
    /// - Parameter host: The command's host options.
    /// - Returns: The service's logger (labelled with ``ServiceIdentity/loggerLabel``) and its
    ///   metrics, to hand to ``ServiceApplication``.
    public static func bootstrapProcess(_ host: HostOptions) -> (logger: Logger, metrics: HostMetrics) {
        HostLogging.bootstrap(level: host.logLevel, format: host.logFormat)
        let metrics = HostMetrics()
        metrics.bootstrapSystem()
        return (Logger(label: identity.loggerLabel), metrics)
    }
}
