import ArgumentParser
import HTTP2Transport
import KnowledgeBase
import Logging
import PostgresClient
import ServiceHost
import PostgresHosting

/// `lifelong-kb`: the knowledge base over gRPC (HTTP/2), hosted the shared way.
@main
struct LifelongKB: ServiceCommand {
    static let identity = ServiceIdentity(
        executable: "lifelong-kb", environmentPrefix: "LIFELONG_KB", defaultPort: 7101, loggerLabel: "lifelong.kb")
    static let configuration = CommandConfiguration(
        commandName: "lifelong-kb",
        abstract: "The Lifelong knowledge base: tasks, models, samples and task-index versions on PostgreSQL.",
        discussion: "Options also come from their environment variables (the option wins). PostgreSQL comes "
            + "from --postgres-url, else from the standard PG* variables.")

    @OptionGroup var host: HostOptions
    @OptionGroup var postgres: PostgresOptions

    @Option(help: .environment("Schema holding the knowledge base's tables.", option: "schema"))
    var schema = "lifelong_kb"

    @Option(help: .environment("Seconds a PutModel upload may go without a chunk before it fails with DEADLINE_EXCEEDED.", option: "upload-idle-timeout"))
    var uploadIdleTimeout: Double = 30

    @Option(help: .environment("Directory where PutModel uploads wait until complete and verified.", option: "upload-spool-directory"))
    var uploadSpoolDirectory = UploadSpool.defaultDirectory

    @Option(help: .environment("Bytes all uploads in progress may keep in the spool together.", option: "upload-spool-bytes"))
    var uploadSpoolBytes: Int64 = 4 << 30

    func validate() throws {
        guard uploadIdleTimeout > 0 else { throw ValidationError("--upload-idle-timeout must be > 0") }
        guard uploadSpoolBytes > 0 else { throw ValidationError("--upload-spool-bytes must be > 0") }
    }

    func run() async throws {
        let (logger, metrics) = Self.bootstrapProcess(host)
        var configuration = KnowledgeBaseConfiguration(postgres: try postgres.poolConfiguration())
        configuration.schema = schema
        configuration.uploadSpoolDirectory = uploadSpoolDirectory
        configuration.limits.uploadSpoolBytes = uploadSpoolBytes
        configuration.limits.uploadIdleTimeout = .milliseconds(Int64(uploadIdleTimeout * 1000))
        var server = HTTP2ServerConfiguration()
        server.maxReceiveMessageBytes = 16 << 20
        server.maxSendMessageBytes = 16 << 20
        // What can be published must fit the replies that send it back.
        configuration.limits = configuration.limits.fitting(
            maxSendMessageBytes: server.maxSendMessageBytes, maxReceiveMessageBytes: server.maxReceiveMessageBytes)
        let kb = KnowledgeBase(configuration: configuration, logger: logger)
        metrics.addPostgresPool(kb.pool, name: "kb")
        // Models stream in MiB-sized chunks: windows of the default 64 KiB would stall them.
        server.initialStreamWindowBytes = 4 << 20
        server.connectionWindowBytes = 16 << 20
        let app = try ServiceApplication(
            identity: Self.identity, options: host, logger: logger, metrics: metrics, services: [kb.service],
            interceptors: kb.interceptors, serverConfiguration: server,
            dependencies: [PostgresReachabilityProbe(configuration: configuration.postgres.connection).probe],
            background: [PostgresPoolService(kb.pool), PostgresListenerService(kb.listener)], handleSignals: true,
            prepare: { try await PostgresMigration.untilReachable(logger: logger) { try await kb.migrate() } })
        try await app.run()
    }
}
