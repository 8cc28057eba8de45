import ArgumentParser
import Edge
import HTTP2Transport
import Logging
import ServiceAuth
import ServiceHost

/// `lifelong-edge`: the edge node over gRPC (HTTP/2), hosted the shared way. Serves from its
/// SQLite store at `--store` with or without the cloud; syncs through the gateway at
/// `--gateway-address` when one is given.
@main
struct LifelongEdge: ServiceCommand {
    static let identity = ServiceIdentity(
        executable: "lifelong-edge", environmentPrefix: "LIFELONG_EDGE", defaultPort: 7110, loggerLabel: "lifelong.edge")
    static let configuration = CommandConfiguration(
        commandName: "lifelong-edge",
        abstract: "Lifelong edge node: local inference (EdgeInference and the Open Inference Protocol) from a SQLite store.",
        discussion: "Options also come from their environment variables (the option wins). Without --gateway-address the node "
            + "serves the snapshot in its store and never syncs.")

    @OptionGroup var host: HostOptions

    @Option(help: .environment("The SQLite store (created when absent).", option: "store"))
    var store = "lifelong-edge.sqlite"

    @Option(help: .environment("Address (host:port) of the gateway; empty = no sync.", option: "gateway-address"))
    var gatewayAddress = ""

    @Option(help: .environment("File with this node's plain edge token, sent on every call to the gateway.", option: "gateway-token-file"))
    var gatewayTokenFile: String?

    @Option(help: .environment("PEM file of the CA that signed the gateway's certificate: sync over TLS, verifying it; plaintext h2c when unset.", option: "gateway-ca"))
    var gatewayCA: String?

    @Option(help: .environment("This node's name (unique among the job's edges).", option: "node-id"))
    var nodeId = EdgeConfiguration().node

    @Option(help: .environment("The job whose snapshots the node serves.", option: "job-id"))
    var jobId = EdgeConfiguration().jobId

    @Option(help: .environment("Model name in the Open Inference Protocol (default: the job id).", option: "model-name"))
    var modelName = ""

    @Option(help: .environment("Most samples one inference request may carry.", option: "max-batch"))
    var maxBatch = EdgeConfiguration.Limits().maximumBatchSamples

    @Option(help: .environment("Bytes the unseen-sample buffer may hold.", option: "buffer-quota-bytes"))
    var bufferQuotaBytes = BufferQuota().maximumBytes

    @Option(help: .environment("Samples the unseen-sample buffer may hold.", option: "buffer-quota-samples"))
    var bufferQuotaSamples = BufferQuota().maximumSamples

    @Option(help: .environment("What a full buffer does: reject-new or drop-oldest.", option: "buffer-full"))
    var bufferFull = BufferQuota().behavior.rawValue

    @Option(help: .environment("Seconds between periodic syncs.", option: "sync-interval"))
    var syncInterval = EdgeConfiguration.Sync().intervalSeconds

    @Option(help: .environment("Samples per upload batch.", option: "upload-batch"))
    var uploadBatch = EdgeConfiguration.Sync().uploadBatchSamples

    func validate() throws {
        if !gatewayAddress.isEmpty { _ = try ServiceAddress(parsing: gatewayAddress, option: "gateway-address") }
        guard BufferQuota.Behavior(rawValue: bufferFull) != nil else {
            throw ValidationError("--buffer-full must be reject-new or drop-oldest, got '\(bufferFull)'")
        }
        guard maxBatch > 0, bufferQuotaBytes > 0, bufferQuotaSamples > 0, uploadBatch > 0, syncInterval > 0 else {
            throw ValidationError("--max-batch, --buffer-quota-*, --upload-batch and --sync-interval must be > 0")
        }
        guard !nodeId.isEmpty, !jobId.isEmpty else { throw ValidationError("--node-id and --job-id must not be empty") }
    }

    /// The node's configuration from the options.
    var edgeConfiguration: EdgeConfiguration {
        var configuration = EdgeConfiguration()
        configuration.node = nodeId
        configuration.jobId = jobId
        configuration.modelName = modelName
        configuration.limits.maximumBatchSamples = maxBatch
        configuration.quota = BufferQuota(
            maximumBytes: bufferQuotaBytes, maximumSamples: bufferQuotaSamples, behavior: BufferQuota.Behavior(rawValue: bufferFull) ?? .dropOldest)
        configuration.sync.intervalSeconds = syncInterval
        configuration.sync.uploadBatchSamples = uploadBatch
        return configuration
    }

    func run() async throws {
        let (logger, metrics) = Self.bootstrapProcess(host)
        var gateway: HTTP2ClientTransport?
        if !gatewayAddress.isEmpty {
            let endpoint = try ServiceAddress(parsing: gatewayAddress, option: "gateway-address")
            var client = HTTP2ClientConfiguration()
            client.maxReceiveMessageBytes = 64 << 20
            client.tls = gatewayCA.map { TLSClientSettings(trustRootsFile: $0) }
            gateway = HTTP2ClientTransport(host: endpoint.host, port: endpoint.port, configuration: client, logger: logger)
        }
        let token = try gatewayTokenFile.map { path throws(AuthConfigurationError) in try BearerToken(contentsOfFile: path) }
        if gateway != nil, token == nil {
            logger.warning("no --gateway-token-file: calls to the gateway carry no token and will be refused unless it runs --no-auth")
        }
        let edge = try Edge(
            configuration: edgeConfiguration, store: try EdgeStore(path: store), gateway: gateway?.authenticated(with: token),
            logger: logger)
        EdgeMetrics(edge: edge, metrics: metrics).register()
        var server = HTTP2ServerConfiguration()
        server.maxReceiveMessageBytes = 16 << 20
        server.maxSendMessageBytes = 16 << 20
        let app = try ServiceApplication(
            identity: Self.identity, options: host, logger: logger, metrics: metrics, services: edge.services,
            interceptors: edge.interceptors, accessPolicy: Edge.accessPolicy, serverConfiguration: server, background: edge.background, handleSignals: true)
        try await app.run()
        await gateway?.close()
    }
}
