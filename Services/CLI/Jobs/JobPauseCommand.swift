import ArgumentParser

/// `lifelong job pause ID`.
struct JobPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause a job: its trigger stops firing (a round already running finishes).")
    @OptionGroup var job: JobTarget

    func run() async throws {
        try await job.printJob("paused") { try await $0.pauseJob($1) }
    }
}
