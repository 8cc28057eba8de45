import ArgumentParser

/// `lifelong edge stop`: the stack's local edge nodes.
struct EdgeStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop the local edge nodes of the stack (their stores stay).")
    @OptionGroup var stack: StackOptions
    @Option(help: "Seconds a node gets to stop before it is killed.")
    var grace: Double = 10

    func run() async throws {
        try await CLIFailure.reporting {
            let launcher = StackLauncher(layout: stack.layout)
            for name in launcher.recordedServices() where name.hasPrefix("edge-") {
                if let outcome = await launcher.stop(name, grace: grace) { Terminal.line(outcome) }
            }
        }
    }
}
