import ArgumentParser
import LifelongClient

/// `lifelong job watch ID`: the job's progress events as they arrive.
struct JobWatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print a job's progress events as they arrive, with a progress bar while a task trains.",
        discussion: """
            Runs until interrupted, until an event reports a snapshot version >= --until-version (exit 0), or \
            until --timeout seconds pass (exit 4). Boosting rounds move the bar (on a terminal); every other \
            event is one line: time, stage/state, what happened, task, message, version.
            """)

    @OptionGroup var job: JobTarget
    @Option(help: "Exit once an event reports this snapshot version or a later one (or the job already serves it).")
    var untilVersion: Int64?
    @Option(help: "Give up after this many seconds (exit 4).")
    var timeout: Double?

    /// How a watch ended.
    enum End: Sendable {
        case reached(Int64)
        case streamEnded
        case timedOut
    }

    func validate() throws {
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be > 0") }
    }

    func run() async throws {
        try await CLIFailure.reporting {
            let service = try job.connection.connection()
            let request = job.request, until = untilVersion, timeout = timeout
            let current = try await service.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).getJob(request) }
            Terminal.line("job \(current.id): \(current.phase), version \(current.deployedVersion)")
            if let until, current.deployedVersion >= until {
                Terminal.line("version \(current.deployedVersion) is deployed")
                return
            }
            let end = try await withThrowingTaskGroup(of: End.self) { group in
                group.addTask { try await Self.watch(service: service, request: request, until: until) }
                if let timeout {
                    group.addTask {
                        try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                        return .timedOut
                    }
                }
                let first = try await group.next() ?? .streamEnded
                group.cancelAll()
                return first
            }
            switch end {
            case .reached(let version):
                Terminal.line("version \(version) is deployed")
            case .streamEnded:
                if let until {
                    throw CLIFailure(.rpc, "the gateway ended the watch before version \(until)")
                }
            case .timedOut:
                // A version published just before the watch started is seen here.
                let latest = try await service.call { try await Lifelong_V1_Gateway.Client(wrapping: $0).getJob(request) }
                if let until, latest.deployedVersion >= until {
                    Terminal.line("version \(latest.deployedVersion) is deployed")
                    return
                }
                let waited = until.map { " for version \($0)" } ?? ""
                throw CLIFailure(.timeout, "timed out after \(Formatting.decimal(timeout ?? 0, places: 0))s waiting\(waited) (job is \(latest.phase), version \(latest.deployedVersion))")
            }
        }
    }

    /// Prints events until the stream ends or one reaches `until`.
    static func watch(service: ServiceConnection, request: Lifelong_V1_GetJobRequest, until: Int64?) async throws -> End {
        try await service.call { client in
            try await Lifelong_V1_Gateway.Client(wrapping: client).watchJob(request) { response in
                var bar: ProgressBar?
                for try await event in response.messages {
                    if event.kind == .boostingRound {
                        let title = "training \(event.taskName.isEmpty ? "prior" : event.taskName)"
                        if bar?.title != title {
                            bar?.finish()
                            bar = ProgressBar(title: title, total: Int(event.rounds))
                        }
                        bar?.update(Int(event.round))
                        if event.round < event.rounds || bar?.enabled == true { continue }
                    }
                    bar?.finish()
                    bar = nil
                    Terminal.line(line(event))
                    if let until, event.snapshotVersion >= until { return .reached(event.snapshotVersion) }
                }
                bar?.finish()
                return .streamEnded
            }
        }
    }

    /// One event as a line.
    static func line(_ event: Lifelong_V1_JobProgressEvent) -> String {
        var parts = [Formatting.time(microseconds: event.atUs), "\(Formatting.name(event.stage))/\(Formatting.name(event.state))"]
        if event.kind != .unspecified { parts.append(Formatting.name(event.kind)) }
        if event.kind == .boostingRound { parts.append("round \(event.round)/\(event.rounds)") }
        if !event.taskName.isEmpty { parts.append("task \(event.taskName)") }
        if event.progress > 0 { parts.append("\(Int((event.progress * 100).rounded()))%") }
        if !event.message.isEmpty { parts.append(event.message) }
        for metrics in event.metrics {
            let values = metrics.values.map { "\($0.name) \(Formatting.decimal($0.value))" }.joined(separator: ", ")
            parts.append("[\(metrics.split): \(values)]")
        }
        if event.snapshotVersion > 0 { parts.append("version \(event.snapshotVersion)") }
        return parts.joined(separator: "  ")
    }
}
