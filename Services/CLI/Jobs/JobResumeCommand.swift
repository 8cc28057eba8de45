import ArgumentParser

/// `lifelong job resume ID`.
struct JobResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused job.")
    @OptionGroup var job: JobTarget

    func run() async throws {
        try await job.printJob("resumed") { try await $0.resumeJob($1) }
    }
}
