import ArgumentParser

/// `lifelong`: the command-line tool of the lifelong-learning suite.
@main
struct LifelongCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifelong",
        abstract: "Lifelong learning on your own data: replay rounds, compare against baselines, generate scenarios.",
        subcommands: [ExperimentCommand.self, ScenarioCommand.self])
}
