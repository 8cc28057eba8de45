import ArgumentParser
import HTTP2Transport
import Logging
import ServiceHost
import TaskMining

/// `lifelong-taskmining`: task mining over gRPC (HTTP/2), hosted the shared way. Stateless;
/// reads samples referenced by job from the knowledge base at `--kb-address`, with the
/// token of `--service-token-file`.
@main
struct LifelongTaskMining: ServiceCommand {
    static let identity = ServiceIdentity(
        executable: "lifelong-taskmining", environmentPrefix: "LIFELONG_TASKMINING", defaultPort: 7102,
        loggerLabel: "lifelong.taskmining")
    static let configuration = CommandConfiguration(
        commandName: "lifelong-taskmining",
        abstract: "Lifelong task mining: tasks, relations, allocators and unseen-task detectors from labelled samples.",
        discussion: "Options also come from their environment variables (the option wins). Samples come inline "
            + "or from the knowledge base at --kb-address; health does not depend on it (inline calls need no knowledge base).")

    @OptionGroup var host: HostOptions

    @Option(help: .environment("Address (host:port) of the knowledge base that holds samples referenced by job.", option: "kb-address"))
    var kbAddress = "127.0.0.1:7101"

    @Option(help: .environment("Samples one call may mine, inline or from the knowledge base.", option: "max-samples"))
    var maxSamples = TaskMiningConfiguration.Limits().maximumSamples

    func validate() throws {
        _ = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        guard maxSamples > 0 else { throw ValidationError("--max-samples must be > 0") }
    }

    func run() async throws {
        let (logger, metrics) = Self.bootstrapProcess(host)
        let endpoint = try ServiceAddress(parsing: kbAddress, option: "kb-address")
        let kb = HTTP2ClientTransport(
            host: endpoint.host, port: endpoint.port,
            configuration: host.serviceClientConfiguration(.bulkReads(maxReceiveMessageBytes: 16 << 20)), logger: logger)
        var configuration = TaskMiningConfiguration()
        configuration.limits.maximumSamples = maxSamples
        let mining = TaskMining(configuration: configuration, knowledgeBase: kb.propagatingCallContext(try host.serviceTokenInterceptors()), logger: logger)
        // Inline samples travel in the request: allow messages as large as the knowledge base's.
        var server = HTTP2ServerConfiguration()
        server.maxReceiveMessageBytes = 16 << 20
        server.maxSendMessageBytes = 16 << 20
        let app = try ServiceApplication(
            identity: Self.identity, options: host, logger: logger, metrics: metrics, services: [mining.service],
            interceptors: mining.interceptors, serverConfiguration: server, handleSignals: true)
        try await app.run()
        await kb.close()
    }
}
