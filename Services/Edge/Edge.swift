import LifelongProto
public import Logging
public import RPCCore
public import ServiceAuth
public import ServiceLifecycle

/// An edge node with everything around it: its store, the snapshot it serves, the
/// EdgeInference and Open Inference Protocol services, their error mapping, and — with a
/// gateway — the background sync.
///
/// ```swift
/// let store = try EdgeStore(path: "edge.sqlite")
/// let gateway = HTTP2ClientTransport(host: "gateway", port: 7100)
/// let edge = try Edge(configuration: .init(), store: store, gateway: gateway)
/// let app = try ServiceApplication(…, services: edge.services, interceptors: edge.interceptors,
///                                  accessPolicy: Edge.accessPolicy, background: edge.background)
/// ```
public struct Edge: Sendable {
    /// The configuration it was made with.
    public let configuration: EdgeConfiguration
    /// The durable store.
    public let store: EdgeStore
    /// The snapshot served.
    public let slot: SnapshotSlot
    /// Counts since start.
    public let statistics: EdgeStatistics
    /// The inference engine both services share.
    public let engine: EdgeInferenceEngine
    /// Status, sync and egress as the services see them.
    public let state: EdgeNodeState
    /// The sync with the gateway, when one is configured.
    public let sync: EdgeSync?
    /// Who may call the node: inference (EdgeInference's Infer, InferStream and GetStatus, and
    /// the whole Open Inference Protocol) for reader, service and admin tokens; syncing and
    /// the egress policy for service and admin tokens only.
    public static let accessPolicy = AccessPolicy.servicesOnly
        .allowing(
            [.reader, .service, .admin],
            methods: [
                Lifelong_V1_EdgeInference.Method.Infer.descriptor, Lifelong_V1_EdgeInference.Method.InferStream.descriptor,
                Lifelong_V1_EdgeInference.Method.GetStatus.descriptor,
            ])
        .allowing([.reader, .service, .admin], service: Inference_GRPCInferenceService.descriptor)

    /// What the services need around their handlers: their error mapping.
    public let interceptors: [any ServerInterceptor] = [ErrorMappingInterceptor(EdgeError.rpcError(for:))]

    /// Opens the node on `store`: serves the stored snapshot at once when there is one.
    /// - Parameters:
    ///   - configuration: Node name, job, limits, quota, sync.
    ///   - store: The store.
    ///   - gateway: A transport to the gateway (connected on first use); nil = never sync.
    ///   - logger: Where to log.
    /// - Throws: ``SQLiteError``, or what decoding a corrupt stored snapshot throws.
    public init(
        configuration: EdgeConfiguration = .init(), store: EdgeStore, gateway: (any ClientTransport)?,
        logger: Logger = Logger(label: "lifelong.edge")
    ) throws {
        self.configuration = configuration
        self.store = store
        let slot = SnapshotSlot()
        let statistics = EdgeStatistics()
        self.slot = slot
        self.statistics = statistics
        if let version = try SnapshotInstaller(store: store, slot: slot).loadStored() {
            logger.info("serving the stored snapshot", metadata: ["edge.snapshot.version": "\(version)"])
        }
        let engine = EdgeInferenceEngine(store: store, slot: slot, configuration: configuration, statistics: statistics)
        self.engine = engine
        let egress = try EgressSetting(store: store)
        sync = gateway.map { transport in
            EdgeSync(
                gateway: Lifelong_V1_Gateway.Client(wrapping: RPCClient(transport: transport)), engine: engine, egress: egress,
                logger: logger)
        }
        state = EdgeNodeState(
            store: store, slot: slot, statistics: statistics, configuration: configuration, egress: egress, sync: sync)
        inferenceLogger = logger
    }

    private let inferenceLogger: Logger

    /// The services to host on one port: EdgeInference and the Open Inference Protocol.
    public var services: [any RegistrableRPCService] {
        [
            EdgeInferenceService(engine: engine, node: state, logger: inferenceLogger),
            OpenInferenceService(engine: engine, modelName: configuration.servedModelName),
        ]
    }

    /// The long-running parts: the counter flush, and the background sync when a gateway is configured.
    public var background: [any Service] {
        [InferredCounterFlush(engine: engine, intervalSeconds: configuration.sync.counterFlushSeconds)]
            + (sync.map { [EdgeSyncService(sync: $0, intervalSeconds: configuration.sync.intervalSeconds)] } ?? [])
    }
}
