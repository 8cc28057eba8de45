import ArgumentParser
import ServiceHost
import Testing

/// A command like a service's: the common options, one of its own, a flag.
private struct ExampleCommand: ParsableCommand {
    @OptionGroup var host: HostOptions
    @Option(help: .environment("A schema.", option: "schema")) var schema = "default_schema"
    @Flag(help: .environment("Be loud.", option: "loud")) var loud = false
}

@Suite("Options: flag, then environment, then default")
struct EnvironmentArgumentsTests {
    static let identity = ServiceIdentity(
        executable: "lifelong-example", environmentPrefix: "LIFELONG_EXAMPLE", defaultPort: 7199, loggerLabel: "example")

    private func parse(_ environment: [String: String], _ arguments: [String]) throws -> ExampleCommand {
        ServiceIdentity.current = Self.identity
        let resolved = try EnvironmentArguments.resolve(
            ExampleCommand.self, identity: Self.identity, environment: environment, arguments: arguments)
        return try ExampleCommand.parse(resolved)
    }

    @Test("defaults apply when neither flag nor variable is given; the port default is the service's")
    func defaults() throws {
        let command = try parse([:], [])
        #expect(command.host.port == 7199)
        #expect(command.host.host == "127.0.0.1")
        #expect(command.host.metricsPort == nil)
        #expect(command.host.logFormat == .text)
        #expect(command.schema == "default_schema")
        #expect(command.loud == false)
    }

    @Test("a variable sets the option; the flag wins over the variable")
    func precedence() throws {
        let environment = [
            "LIFELONG_EXAMPLE_PORT": "7300", "LIFELONG_EXAMPLE_METRICS_PORT": "9300", "LIFELONG_EXAMPLE_SCHEMA": "from_env",
            "LIFELONG_EXAMPLE_LOG_FORMAT": "json", "LIFELONG_EXAMPLE_LOUD": "true",
        ]
        let fromEnvironment = try parse(environment, [])
        #expect(fromEnvironment.host.port == 7300)
        #expect(fromEnvironment.host.metricsPort == 9300)
        #expect(fromEnvironment.host.logFormat == .json)
        #expect(fromEnvironment.schema == "from_env")
        #expect(fromEnvironment.loud)

        let flagsWin = try parse(environment, ["--port", "7400", "--schema=from_flag", "--log-format", "text"])
        #expect(flagsWin.host.port == 7400)
        #expect(flagsWin.schema == "from_flag")
        #expect(flagsWin.host.logFormat == .text)
        #expect(flagsWin.host.metricsPort == 9300)
    }

    @Test("variables of other prefixes and empty values are ignored; a false flag variable leaves it off")
    func ignored() throws {
        let command = try parse(
            ["LIFELONG_OTHER_PORT": "1", "LIFELONG_EXAMPLE_SCHEMA": "", "LIFELONG_EXAMPLE_LOUD": "0"], [])
        #expect(command.host.port == 7199)
        #expect(command.schema == "default_schema")
        #expect(command.loud == false)
    }

    @Test("a bad value names its variable's option; a non-boolean flag variable names the variable")
    func badValues() throws {
        #expect(throws: (any Error).self) { try parse(["LIFELONG_EXAMPLE_PORT": "seventy"], []) }
        #expect(throws: (any Error).self) { try parse(["LIFELONG_EXAMPLE_PORT": "70000"], []) }
        let error = #expect(throws: EnvironmentArguments.InvalidValue.self) { try parse(["LIFELONG_EXAMPLE_LOUD": "maybe"], []) }
        #expect(error?.variable == "LIFELONG_EXAMPLE_LOUD")
    }

    @Test("--help names every variable")
    func help() {
        ServiceIdentity.current = Self.identity
        let help = ExampleCommand.helpMessage(columns: 400)
        for variable in ["LIFELONG_EXAMPLE_HOST", "LIFELONG_EXAMPLE_PORT", "LIFELONG_EXAMPLE_METRICS_PORT",
                         "LIFELONG_EXAMPLE_LOG_LEVEL", "LIFELONG_EXAMPLE_LOG_FORMAT", "LIFELONG_EXAMPLE_SCHEMA"] {
            #expect(help.contains("env: \(variable)"), "\(variable) missing from --help")
        }
        #expect(help.contains("default: 7199"))
    }
}
