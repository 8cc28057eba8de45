import ArgumentParser
import Foundation

/// `lifelong up`: the whole stack on loopback.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start the whole stack locally: PostgreSQL, knowledge base, task mining, training, gateway and edge nodes.",
        discussion: """
            Order: a PostgreSQL cluster in the state folder (created the first time; scripts/postgres-cluster.sh's \
            recipe), lifelong-kb (7101), lifelong-taskmining (7102), lifelong-training (7103), lifelong-gateway \
            (7100), then --edges nodes edge-1, edge-2, … (7110, 7111, …) serving --job-id, all on 127.0.0.1. Each \
            is started only when it is not already running, and is waited for until its gRPC health is SERVING. \
            The executables are taken from the folder of this `lifelong` binary.

            Edges serve one job, whose id exists only after `lifelong job create`: without --job-id no edge is \
            started; start them later with `lifelong edge start --job ID` (or run `up --job-id ID` again).

            Logs: <state>/logs/<service>.log; pids: <state>/pids/<service>.pid; edge stores: <state>/edges. \
            Stop everything with `lifelong down`.
            """)

    @OptionGroup var stack: StackOptions
    @Option(help: "Edge nodes to start (with --job-id).")
    var edges: Int = 2
    @Option(help: "The job the edge nodes serve; without it no edge is started.")
    var jobId: String?
    @Option(help: ArgumentHelp("The gateway's labelling oracle: a labelled CSV file (repeatable; the job's label column).", valueName: "FILE.csv"))
    var oracleFile: [String] = []
    @Option(help: "Seconds between the gateway's trigger checks.")
    var tickSeconds: Double?
    @Option(help: "Use this PostgreSQL (postgresql://…) instead of a local cluster.")
    var postgresURL: String?
    @Option(help: "Log level of the services.")
    var logLevel: String = "info"
    @Option(help: "Seconds each service gets to become SERVING.")
    var timeout: Double = 90
    @Flag(help: "Print the command lines that would run, and start nothing.")
    var printPlan = false

    func validate() throws {
        guard edges >= 0 else { throw ValidationError("--edges must be >= 0") }
        guard timeout > 0 else { throw ValidationError("--timeout must be > 0") }
    }

    /// The stack's settings for a PostgreSQL URL.
    func settings(postgresURL: String) -> StackPlan.Settings {
        var settings = StackPlan.Settings(postgresURL: postgresURL)
        settings.oracleFiles = oracleFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        settings.tickSeconds = tickSeconds
        settings.logLevel = logLevel
        return settings
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let layout = stack.layout
            let postgres = LocalPostgres(layout: layout)
            if printPlan {
                let url = postgresURL ?? LocalPostgres.url(port: postgres.recorded()?.port ?? 55_532)
                let plan = StackPlan(settings: settings(postgresURL: url), layout: layout)
                if postgresURL == nil { Terminal.line("postgres: local cluster under \(layout.root.path) (port chosen when it starts)") }
                for service in plan.cloud + (jobId.map { plan.edges(count: edges, job: $0) } ?? []) {
                    Terminal.line("\(service.name): \(service.commandLine)")
                }
                return
            }
            try layout.create()
            try layout.createTokens()
            let launcher = StackLauncher(layout: layout)
            // Every executable is checked before anything starts.
            let planned = StackPlan(settings: settings(postgresURL: ""), layout: layout)
            for service in planned.cloud + (jobId.map { planned.edges(count: edges, job: $0) } ?? []) {
                _ = try launcher.executable(service.executable)
            }
            var url = postgresURL
            if url == nil {
                Terminal.error("starting PostgreSQL …")
                url = LocalPostgres.url(port: try postgres.start())
            }
            let plan = StackPlan(settings: settings(postgresURL: url ?? ""), layout: layout)
            let services = plan.cloud + (jobId.map { plan.edges(count: edges, job: $0) } ?? [])
            var table = TextTable(["service", "address", "pid", "log"])
            for service in services {
                Terminal.error("starting \(service.name) on \(plan.settings.host):\(service.port) …")
                let started = try await launcher.start(service, host: plan.settings.host, timeout: timeout)
                table.add([
                    service.name + (started.alreadyRunning ? " (was running)" : ""), "\(plan.settings.host):\(service.port)",
                    "\(started.pid)", layout.log(service.name).path,
                ])
            }
            Terminal.line("stack is up (state in \(layout.root.path))")
            Terminal.line(table.render())
            if postgresURL == nil { Terminal.line("PostgreSQL: \(url ?? "") (log \(postgres.recorded()?.log ?? ""))") }
            Terminal.line("logs: \(layout.logs.path)")
            if jobId == nil, edges > 0 {
                Terminal.line("no edges yet: create a job (lifelong job create …), then `lifelong edge start --job ID --edges \(edges)`")
            }
            Terminal.line("stop it with: lifelong down" + (stack.stateDir.map { " --state-dir \($0)" } ?? ""))
        }
    }
}
