#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import HTTP2Transport
import KnowledgeBase
import LifelongProto
import Logging
import PostgresClient
import RPCCore
import StandardServices

/// `lifelong-kb`: the knowledge base service over gRPC (HTTP/2), with health and reflection.
@main
struct LifelongKB: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lifelong-kb",
        abstract: "The Lifelong knowledge base: tasks, models, samples and task-index versions on PostgreSQL.",
        discussion: """
            Every option can also be set by its environment variable (the option wins). \
            PostgreSQL comes from --postgres-url, else from the standard PG* variables \
            (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE).
            """)

    @Option(help: "Address to listen on. (env: LIFELONG_KB_HOST, default: 127.0.0.1)")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one. (env: LIFELONG_KB_PORT, default: 7101)")
    var port: Int?

    @Option(help: "Port of the Prometheus text metrics endpoint (/metrics); 0 picks a free one. (env: LIFELONG_KB_METRICS_PORT, default: off)")
    var metricsPort: Int?

    @Option(help: "PostgreSQL URL, postgresql://user:password@host:port/database. (env: LIFELONG_KB_POSTGRES_URL, default: PG* variables)")
    var postgresURL: String?

    @Option(help: "Schema holding the knowledge base's tables. (env: LIFELONG_KB_SCHEMA, default: lifelong_kb)")
    var schema: String?

    @Option(help: "Most PostgreSQL connections. (env: LIFELONG_KB_POSTGRES_CONNECTIONS, default: 8)")
    var postgresConnections: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. (env: LIFELONG_KB_LOG_LEVEL, default: info)")
    var logLevel: String?

    mutating func run() async throws {
        let settings = try Settings(self)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "lifelong.kb")
        let kb = KnowledgeBase(configuration: settings.knowledgeBase, logger: logger)

        // Migrations first; while PostgreSQL is unreachable, keep trying (a supervisor that
        // starts the KB before the database is normal).
        var delay = Duration.milliseconds(200)
        while true {
            do {
                try await kb.migrate()
                break
            } catch let error as PostgresError where error.kind == .connection {
                logger.warning("PostgreSQL unreachable; retrying", metadata: ["kb.error": "\(error.message)", "kb.retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }

        let (router, health) = try StandardServices.router(hosting: [kb.service])
        var serverConfiguration = HTTP2ServerConfiguration(host: settings.host, port: settings.port)
        serverConfiguration.maxReceiveMessageBytes = 16 << 20
        serverConfiguration.maxSendMessageBytes = 16 << 20
        // Models stream in MiB-sized chunks: windows of the default 64 KiB would stall them.
        serverConfiguration.initialStreamWindowBytes = 4 << 20
        serverConfiguration.connectionWindowBytes = 16 << 20
        let server = HTTP2Server(configuration: serverConfiguration, router: router)
        let port = try await server.start()

        var metricsServer: MetricsServer?
        if let metricsPort = settings.metricsPort {
            let metrics = MetricsServer(host: settings.host, port: metricsPort) {
                KnowledgeBaseMetricsText.render(kb: kb, health: health)
            }
            let bound = try await metrics.start()
            metricsServer = metrics
            logger.info("metrics endpoint", metadata: ["kb.metrics_port": "\(bound)"])
        }
        // The one line tools wait for (the port matters when --port 0 was asked for).
        print("lifelong-kb listening on \(settings.host):\(port)")
        fflush(nil)
        logger.info("serving", metadata: ["kb.host": "\(settings.host)", "kb.port": "\(port)"])

        // Health follows the database: NOT_SERVING while PostgreSQL is unreachable.
        let healthTask = Task {
            let service = Lifelong_V1_KnowledgeBase.descriptor.fullyQualifiedService
            while !Task.isCancelled {
                let status: HealthService.Status = await kb.isDatabaseReachable() ? .serving : .notServing
                if health.status(ofService: service) != status {
                    health.setStatus(status, forService: service)
                    health.setStatus(status, forService: "")
                    logger.notice("health changed", metadata: ["kb.health": "\(status)"])
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }

        await ShutdownSignal.wait()
        logger.info("shutting down")
        healthTask.cancel()
        kb.shutdown()
        await server.shutdown()
        await metricsServer?.shutdown()
    }
}

/// Flags resolved against their environment variables and defaults.
struct Settings {
    var host: String
    var port: Int
    var metricsPort: Int?
    var logLevel: Logger.Level
    var knowledgeBase: KnowledgeBaseConfiguration

    init(_ command: LifelongKB) throws {
        func env(_ name: String) -> String? {
            guard let value = getenv(name) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        func integer(_ flag: Int?, _ variable: String) throws -> Int? {
            if let flag { return flag }
            guard let text = env(variable) else { return nil }
            guard let value = Int(text) else { throw ValidationError("\(variable) must be a whole number, got '\(text)'") }
            return value
        }
        host = command.host ?? env("LIFELONG_KB_HOST") ?? "127.0.0.1"
        port = try integer(command.port, "LIFELONG_KB_PORT") ?? 7101
        metricsPort = try integer(command.metricsPort, "LIFELONG_KB_METRICS_PORT")
        for (name, value) in [("port", port), ("metrics-port", metricsPort ?? 0)] where !(0...65535).contains(value) {
            throw ValidationError("--\(name) must be 0...65535, got \(value)")
        }
        let levelName = command.logLevel ?? env("LIFELONG_KB_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("unknown log level '\(levelName)'")
        }
        logLevel = level

        let connection: PostgresConfiguration
        if let url = command.postgresURL ?? env("LIFELONG_KB_POSTGRES_URL") {
            connection = try PostgresConfiguration(url: url)
        } else {
            connection = try PostgresConfiguration.fromEnvironment()
        }
        var pool = PostgresPoolConfiguration(connection: connection)
        if let connections = try integer(command.postgresConnections, "LIFELONG_KB_POSTGRES_CONNECTIONS") {
            guard connections > 0 else { throw ValidationError("--postgres-connections must be > 0") }
            pool.maximumConnections = connections
        }
        var configuration = KnowledgeBaseConfiguration(postgres: pool)
        if let schema = command.schema ?? env("LIFELONG_KB_SCHEMA") { configuration.schema = schema }
        knowledgeBase = configuration
    }
}
