import ArgumentParser
import Foundation
import HTTP2Transport
import LifelongProto
import Logging
import PostgresClient
import RPCCore
import ServiceAuth
import ServiceHost
import Training
import PostgresHosting

/// `lifelong-training`: the training service over gRPC (HTTP/2), hosted the shared way.
/// Every instance serves the API and runs workers on the shared queue: start more of them to
/// train more tasks at once.
@main
struct LifelongTraining: ServiceCommand {
    static let identity = ServiceIdentity(
        executable: "lifelong-training", environmentPrefix: "LIFELONG_TRAINING", defaultPort: 7103,
        loggerLabel: "lifelong.training")
    static let configuration = CommandConfiguration(
        commandName: "lifelong-training",
        abstract: "The Lifelong training service: runs queued in PostgreSQL, one model per task, gated and published to the KB.",
        discussion: "Options also come from their environment variables (the option wins). PostgreSQL comes "
            + "from --postgres-url, else from the standard PG* variables. Instances sharing a schema share its queue.")

    @OptionGroup var host: HostOptions
    @OptionGroup var postgres: PostgresOptions

    @Option(help: .environment("Schema holding the queue and the runs.", option: "schema"))
    var schema = "lifelong_training"

    @Option(help: .environment("The knowledge base, host:port.", option: "kb-address"))
    var kbAddress = "127.0.0.1:7101"

    @Option(help: .environment("Task mining (clustering plans; relations, groups and detectors of every snapshot), host:port.", option: "taskmining-address"))
    var taskminingAddress = "127.0.0.1:7102"

    @Option(help: .environment("This instance's worker id (unique among instances); default: host name and process id.", option: "worker-id"))
    var workerID: String?

    @Option(help: .environment("Seconds a claimed unit is leased (renewed every third of it); another instance takes it over when it expires.", option: "lease-seconds"))
    var leaseSeconds: Double = 30

    @Option(help: .environment("Units this instance trains at once.", option: "concurrency"))
    var concurrency = 1

    @Option(help: .environment("Claims of a unit before it fails for good.", option: "max-attempts"))
    var maxAttempts = 3

    func validate() throws {
        guard leaseSeconds >= 1 else { throw ValidationError("--lease-seconds must be >= 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be >= 1") }
        guard maxAttempts >= 1 else { throw ValidationError("--max-attempts must be >= 1") }
        _ = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        _ = try ServiceAddress(parsing: taskminingAddress, option: "taskmining-address")
    }

    func run() async throws {
        let (logger, metrics) = Self.bootstrapProcess(host)
        let worker = workerID ?? "\(ProcessInfo.processInfo.hostName)-\(getpid())"
        var configuration = TrainingConfiguration(postgres: try postgres.poolConfiguration(), workerID: worker)
        configuration.schema = schema
        configuration.lease = .milliseconds(Int64(leaseSeconds * 1000))
        configuration.concurrency = concurrency
        configuration.maxAttempts = maxAttempts
        let endpoint = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        let kbTransport = HTTP2ClientTransport(
            host: endpoint.host, port: endpoint.port, configuration: host.serviceClientConfiguration(.bulkReads()), logger: logger)
        let miningEndpoint = try ServiceAddress(parsing: taskminingAddress, option: "taskmining-address")
        let miningTransport = HTTP2ClientTransport(
            host: miningEndpoint.host, port: miningEndpoint.port, configuration: host.serviceClientConfiguration(), logger: logger)
        let token = try host.serviceToken()
        let training = Training(
            configuration: configuration,
            knowledgeBase: Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbTransport.authenticated(with: token))),
            taskMining: Lifelong_V1_TaskMining.Client(wrapping: RPCClient(transport: miningTransport.authenticated(with: token))),
            logger: logger)
        metrics.addPostgresPool(training.pool, name: "training")
        TrainingMetrics(training: training, metrics: metrics).register()
        let app = try ServiceApplication(
            identity: Self.identity, options: host, logger: logger, metrics: metrics, services: [training.service],
            interceptors: training.interceptors,
            dependencies: [PostgresReachabilityProbe(configuration: configuration.postgres.connection).probe],
            background: [PostgresPoolService(training.pool), training.worker], handleSignals: true,
            prepare: { try await PostgresMigration.untilReachable(logger: logger) { try await training.migrate() } })
        logger.info(
            "worker ready",
            metadata: ["training.worker": "\(worker)", "training.kb": "\(kbAddress)", "training.taskmining": "\(taskminingAddress)"])
        try await app.run()
        await kbTransport.close()
        await miningTransport.close()
    }
}
