import ArgumentParser
import Foundation
import Gateway
import HTTP2Transport
import LifelongProto
import Logging
import PostgresClient
import RPCCore
import ServiceHost
import PostgresHosting

/// `lifelong-gateway`: the one public entry — jobs and their loop, data, edges, reports —
/// hosted the shared way, composing the knowledge base and training through their clients.
@main
struct LifelongGateway: ServiceCommand {
    static let identity = ServiceIdentity(
        executable: "lifelong-gateway", environmentPrefix: "LIFELONG_GATEWAY", defaultPort: 7100, loggerLabel: "lifelong.gateway")
    static let configuration = CommandConfiguration(
        commandName: "lifelong-gateway",
        abstract: "The Lifelong gateway: lifelong-learning jobs (train → eval → deploy → wait), data, edges, reports.",
        discussion: "Options also come from their environment variables (the option wins). PostgreSQL comes "
            + "from --postgres-url, else from the standard PG* variables.")

    @OptionGroup var host: HostOptions
    @OptionGroup var postgres: PostgresOptions

    @Option(help: .environment("Schema holding jobs, rounds and the fleet.", option: "schema"))
    var schema = "lifelong_gateway"

    @Option(help: .environment("The knowledge base, host:port.", option: "kb-address"))
    var kbAddress = "127.0.0.1:7101"

    @Option(help: .environment("The training service, host:port.", option: "training-address"))
    var trainingAddress = "127.0.0.1:7103"

    @Option(help: .environment("Seconds between passes of the job loop.", option: "tick-seconds"))
    var tickSeconds: Double = 1

    @Option(help: .environment("This instance's name in the jobs' loop leases; default: host name and process id.", option: "instance-id"))
    var instanceID: String?

    @Option(help: .environment("A labelled CSV file whose labels the oracle gives to unseen samples by key (demos and tests; repeatable).", option: "oracle-file"))
    var oracleFile: [String] = []

    @Option(help: .environment("Time zone of the triggers' daily windows (e.g. Europe/Berlin); default: the system's.", option: "time-zone"))
    var timeZone: String?

    func validate() throws {
        guard tickSeconds > 0 else { throw ValidationError("--tick-seconds must be > 0") }
        _ = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        _ = try ServiceAddress(parsing: trainingAddress, option: "training-address")
        if let timeZone, TimeZone(identifier: timeZone) == nil { throw ValidationError("--time-zone: unknown time zone '\(timeZone)'") }
    }

    func run() async throws {
        let (logger, metrics) = Self.bootstrapProcess(host)
        var configuration = GatewayConfiguration(
            postgres: try postgres.poolConfiguration(), instanceID: instanceID ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())")
        configuration.schema = schema
        configuration.tickInterval = .milliseconds(Int64(tickSeconds * 1000))
        if let timeZone { configuration.timeZone = TimeZone(identifier: timeZone)! }
        configuration.oracleFiles = oracleFile.map { URL(fileURLWithPath: $0) }
        let serviceToken = try host.serviceTokenInterceptors()
        let kb = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        let kbTransport = HTTP2ClientTransport(host: kb.host, port: kb.port, configuration: host.serviceClientConfiguration(), logger: logger)
        let trainingEndpoint = try ServiceAddress(parsing: trainingAddress, option: "training-address")
        let trainingTransport = HTTP2ClientTransport(
            host: trainingEndpoint.host, port: trainingEndpoint.port, configuration: host.serviceClientConfiguration(), logger: logger)
        let gateway = Gateway(
            configuration: configuration,
            knowledgeBase: Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbTransport.propagatingCallContext(serviceToken))),
            training: Lifelong_V1_Training.Client(wrapping: RPCClient(transport: trainingTransport.propagatingCallContext(serviceToken))),
            logger: logger)
        metrics.addPostgresPool(gateway.pool, name: "gateway")
        let app = try ServiceApplication(
            identity: Self.identity, options: host, logger: logger, metrics: metrics, services: [gateway.service],
            interceptors: gateway.interceptors, accessPolicy: Gateway.accessPolicy,
            dependencies: [PostgresReachabilityProbe(configuration: configuration.postgres.connection).probe],
            background: [PostgresPoolService(gateway.pool), gateway.loop], handleSignals: true,
            prepare: { try await PostgresMigration.untilReachable(logger: logger) { try await gateway.migrate() } })
        logger.info("gateway ready", metadata: ["gateway.kb": "\(kbAddress)", "gateway.training": "\(trainingAddress)"])
        try await app.run()
        await kbTransport.close()
        await trainingTransport.close()
    }
}
