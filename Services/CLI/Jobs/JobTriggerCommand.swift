import ArgumentParser

/// `lifelong job trigger ID`.
struct JobTriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "trigger", abstract: "Start a training round now, regardless of the trigger.")
    @OptionGroup var job: JobTarget

    func run() async throws {
        try await job.printJob("triggered training of") { try await $0.triggerTraining($1) }
    }
}
