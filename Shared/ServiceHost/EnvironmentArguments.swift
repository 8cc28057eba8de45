public import ArgumentParser
import FoundationEssentials

/// Turns `<PREFIX>_<OPTION>` environment variables into command-line arguments, in one place
/// for every option of every service: `LIFELONG_KB_METRICS_PORT=9101` becomes
/// `--metrics-port=9101`, `LIFELONG_KB_SOME_FLAG=true` becomes `--some-flag`. The options a
/// command declares are read from its own definition (ArgumentParser's help dump), so a new
/// option gets its variable without further code. The derived arguments come before the
/// command line's, and ArgumentParser keeps the last value of an option: the flag wins.
public enum EnvironmentArguments {
    /// An environment variable that cannot become an argument.
    public struct InvalidValue: Error, CustomStringConvertible {
        /// The variable.
        public var variable: String
        /// Why.
        public var reason: String
        public var description: String { "\(variable): \(reason)" }
    }

    /// The arguments to parse: those from the environment, then `arguments`.
    /// - Parameters:
    ///   - command: The command whose options are looked up.
    ///   - identity: Gives the variables' prefix.
    ///   - environment: The environment (e.g. `ProcessInfo.processInfo.environment`).
    ///   - arguments: The command line, without the executable.
    /// - Throws: ``InvalidValue`` for a flag variable that is not a boolean.
    public static func resolve(
        _ command: any ParsableArguments.Type, identity: ServiceIdentity, environment: [String: String],
        arguments: [String]
    ) throws -> [String] {
        var derived: [String] = []
        for option in declaredOptions(of: command) where !["help", "version"].contains(option.name) {
            let variable = identity.environmentVariable(forOption: option.name)
            guard let value = environment[variable], !value.isEmpty else { continue }
            if option.isFlag {
                switch value.lowercased() {
                case "1", "true", "yes", "on": derived.append("--\(option.name)")
                case "0", "false", "no", "off": break
                default: throw InvalidValue(variable: variable, reason: "must be true or false, got '\(value)'")
                }
            } else {
                derived.append("--\(option.name)=\(value)")
            }
        }
        return derived + arguments
    }

    /// A long option of a command.
    struct DeclaredOption: Hashable {
        var name: String
        var isFlag: Bool
    }

    /// The long options `command` declares (its option groups included).
    static func declaredOptions(of command: any ParsableArguments.Type) -> [DeclaredOption] {
        guard let data = command._dumpHelp().data(using: .utf8),
            let dump = try? JSONDecoder().decode(HelpDump.self, from: data)
        else { return [] }
        return (dump.command.arguments ?? []).compactMap { argument in
            guard argument.kind != "positional", let long = argument.names?.first(where: { $0.kind == "long" }) else {
                return nil
            }
            return DeclaredOption(name: long.name, isFlag: argument.kind == "flag")
        }
    }

    /// The part of ArgumentParser's tool-info JSON read here.
    private struct HelpDump: Decodable {
        struct Command: Decodable {
            var arguments: [Argument]?
        }
        struct Argument: Decodable {
            var kind: String
            var names: [Name]?
        }
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var command: Command
    }
}
