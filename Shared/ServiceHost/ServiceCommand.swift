public import ArgumentParser
import FoundationEssentials

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
