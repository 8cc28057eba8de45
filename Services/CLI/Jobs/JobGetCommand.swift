import ArgumentParser

/// `lifelong job get ID`.
struct JobGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a job: its phase, versions, pending samples and spec.")
    @OptionGroup var job: JobTarget

    func run() async throws {
        try await job.printJob(nil) { try await $0.getJob($1) }
    }
}
