import ArgumentParser
import LifelongClient

/// `lifelong health HOST:PORT`: the gRPC health check, for people and Docker health checks.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check a service's gRPC health; exit 0 when it is SERVING.",
        discussion: "Exit 0 SERVING, 1 any other status or a failed call, 3 nothing answers at the address.")
    @OptionGroup var token: TokenOptions
    @Argument(help: ArgumentHelp("The service.", valueName: "HOST:PORT"))
    var address: String
    @Option(help: "The service name checked (default: the server as a whole).")
    var service: String = ""
    @Option(help: "Seconds to wait for the answer.")
    var timeout: Double = 5

    func run() async throws {
        try await CLIFailure.reporting {
            let connection = try token.connection(to: .service, at: try Endpoint(parsing: address, what: "HOST:PORT"))
            let status = try await Self.check(connection, service: service, timeout: timeout)
            let name = service.isEmpty ? "\(address)" : "\(address) (\(service))"
            guard status == .serving else { throw CLIFailure(.rpc, "\(name) is \(Formatting.name(status).uppercased())") }
            Terminal.line("\(name) is SERVING")
        }
    }

    /// One health check.
    /// - Throws: ``CLIFailure`` when the call fails.
    static func check(
        _ connection: ServiceConnection, service: String, timeout: Double
    ) async throws -> Grpc_Health_V1_HealthCheckResponse.ServingStatus {
        var request = Grpc_Health_V1_HealthCheckRequest()
        request.service = service
        var options = CallOptions.defaults
        options.timeout = .milliseconds(Int64(timeout * 1000))
        return try await connection.call { client in
            try await Grpc_Health_V1_Health.Client(wrapping: client).check(request, options: options).status
        }
    }
}
