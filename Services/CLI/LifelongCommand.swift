import ArgumentParser

/// `lifelong`: the command-line tool of the lifelong-learning suite.
@main
struct LifelongCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifelong",
        abstract: "Lifelong learning on your own data, offline or against a running system.",
        discussion: """
            Offline: experiment, scenario. Against the gateway (--gateway HOST:PORT, $LIFELONG_GATEWAY, default \
            127.0.0.1:7100; --token-file / $LIFELONG_TOKEN_FILE sends a bearer token): job, ingest, infer, label, \
            report, fleet; kb talks to the knowledge base, edge to edge nodes, health to any service. up and down \
            run the whole stack locally.

            Exit status: 0 success, 1 a call failed, 2 bad usage, 3 a service could not be reached, 4 a wait \
            timed out, 5 a local problem (file, process).
            """,
        subcommands: [
            ExperimentCommand.self, ScenarioCommand.self, JobCommand.self, IngestCommand.self, InferCommand.self,
            LabelCommand.self, ReportCommand.self, KBCommand.self, EdgeCommand.self, FleetCommand.self, HealthCommand.self,
            UpCommand.self, DownCommand.self,
        ])
}
