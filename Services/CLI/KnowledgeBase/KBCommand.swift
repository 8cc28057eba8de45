import ArgumentParser
import LifelongClient

/// `lifelong kb`: what the knowledge base holds for a job.
struct KBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kb",
        abstract: "Inspect the knowledge base: a job's versions, tasks, snapshots and what changed between versions.",
        subcommands: [KBVersionsCommand.self, KBTasksCommand.self, KBShowCommand.self, KBDiffCommand.self])
}

/// The knowledge base and the job a `kb` subcommand reads.
struct KBTarget: ParsableArguments {
    @OptionGroup var connection: KnowledgeBaseOptions
    @Option(help: "The job.")
    var job: String

    /// Calls the knowledge base.
    func call<T: Sendable>(_ body: (Lifelong_V1_KnowledgeBase.Client) async throws -> T) async throws -> T {
        try await connection.connection().call { try await body(Lifelong_V1_KnowledgeBase.Client(wrapping: $0)) }
    }
}
