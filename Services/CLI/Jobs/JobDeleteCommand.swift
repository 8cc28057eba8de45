import ArgumentParser

/// `lifelong job delete ID`.
struct JobDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a job's record and history (its samples and snapshots stay in the knowledge base).",
        discussion: "Fails with FAILED_PRECONDITION while a round runs: pause the job, wait for the round, then delete.")
    @OptionGroup var job: JobTarget

    func run() async throws {
        try await job.printJob("deleted") { try await $0.deleteJob($1).job ?? .init() }
    }
}
