import ArgumentParser

/// `lifelong edge start --job ID`: local edge nodes of the stack.
struct EdgeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start local edge nodes edge-1 … edge-N (ports 7110 …) serving a job, syncing with the local gateway.",
        discussion: "They join the stack of `lifelong up` (same state folder: logs, pids, stores) and stop with `lifelong down` or `lifelong edge stop`.")

    @OptionGroup var stack: StackOptions
    @Option(help: "The job the nodes serve.")
    var job: String
    @Option(help: "How many nodes.")
    var edges: Int = 2
    @Option(help: "Log level of the nodes.")
    var logLevel: String = "info"
    @Option(help: "Seconds each node gets to become SERVING.")
    var timeout: Double = 60

    func run() async throws {
        try await CLIFailure.reporting {
            let layout = stack.layout
            try layout.create()
            try layout.createTokens()
            var settings = StackPlan.Settings(postgresURL: "")
            settings.logLevel = logLevel
            let launcher = StackLauncher(layout: layout)
            for service in StackPlan(settings: settings, layout: layout).edges(count: edges, job: job) {
                let started = try await launcher.start(service, host: settings.host, timeout: timeout)
                Terminal.line("\(service.name) \(started.alreadyRunning ? "was running" : "started") on \(settings.host):\(service.port) (pid \(started.pid), log \(layout.log(service.name).path))")
            }
        }
    }
}
