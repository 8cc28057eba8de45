import ArgumentParser
import LifelongClient

/// The job named on the command line and the gateway it lives on.
struct JobTarget: ParsableArguments {
    @OptionGroup var connection: GatewayOptions
    @Argument(help: "The job id.")
    var id: String

    /// The request naming the job.
    var request: Lifelong_V1_GetJobRequest {
        var request = Lifelong_V1_GetJobRequest()
        request.jobId = id
        return request
    }

    /// Calls one unary method of the gateway for this job and prints the job it returns.
    /// - Parameters:
    ///   - verb: What happened, printed before the job (`paused job j-1`); nil prints only the job.
    ///   - call: The call.
    func printJob(
        _ verb: String?,
        _ call: @escaping @Sendable (Lifelong_V1_Gateway.Client, Lifelong_V1_GetJobRequest) async throws -> Lifelong_V1_Job
    ) async throws {
        try await CLIFailure.reporting {
            let request = request
            let job = try await connection.connection().call { try await call(Lifelong_V1_Gateway.Client(wrapping: $0), request) }
            if let verb { Terminal.line("\(verb) job \(job.id)") }
            Terminal.line(JobDescription.text(job))
        }
    }
}
