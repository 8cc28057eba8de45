import ArgumentParser

/// `lifelong down`: stops what `lifelong up` started.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Stop the local stack: edges, gateway, training, task mining, knowledge base, then PostgreSQL.",
        discussion: "Each service gets SIGTERM and --grace seconds to finish, then SIGKILL. Data (PostgreSQL, edge stores) and logs stay in the state folder for the next `up`.")

    @OptionGroup var stack: StackOptions
    @Option(help: "Seconds a service gets to stop before it is killed.")
    var grace: Double = 10
    @Flag(help: "Leave PostgreSQL running.")
    var keepPostgres = false

    func run() async throws {
        try await CLIFailure.reporting {
            let layout = stack.layout
            let launcher = StackLauncher(layout: layout)
            var stopped = 0
            for name in launcher.recordedServices() {
                if let outcome = await launcher.stop(name, grace: grace) {
                    Terminal.line(outcome)
                    stopped += 1
                }
            }
            if !keepPostgres, try LocalPostgres(layout: layout).stop() { Terminal.line("PostgreSQL stopped (data kept in \(layout.root.path))") }
            Terminal.line(stopped == 0 ? "no service of the stack in \(layout.root.path) was running" : "stack stopped; logs stay in \(layout.logs.path)")
        }
    }
}
