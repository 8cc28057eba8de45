import ArgumentParser

/// `lifelong edge`: edge nodes.
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge", abstract: "Edge nodes: a node's status; start or stop local nodes of the stack.",
        subcommands: [EdgeStatusCommand.self, EdgeStartCommand.self, EdgeStopCommand.self, EdgeRollbackCommand.self])
}
