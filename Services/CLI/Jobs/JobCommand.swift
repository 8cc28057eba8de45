import ArgumentParser

/// `lifelong job`: lifelong-learning jobs on the gateway.
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Create, inspect, watch and control lifelong-learning jobs on the gateway.",
        subcommands: [
            JobCreateCommand.self, JobGetCommand.self, JobListCommand.self, JobWatchCommand.self, JobTriggerCommand.self,
            JobPauseCommand.self, JobResumeCommand.self, JobDeleteCommand.self,
        ])
}
