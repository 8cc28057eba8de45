import LifelongProto
public import Logging
public import RPCCore

/// The task-mining service with what it needs around it: its error mapping, and the
/// knowledge-base client it reads referenced samples through. Nothing to start or stop: the
/// service keeps no state.
///
/// ```swift
/// let kb = HTTP2ClientTransport(host: "127.0.0.1", port: 7101).propagatingCallContext()
/// let mining = TaskMining(configuration: .init(), knowledgeBase: kb)
/// let app = try ServiceApplication(…, services: [mining.service], interceptors: mining.interceptors)
/// ```
public struct TaskMining: Sendable {
    /// The configuration it was made with.
    public let configuration: TaskMiningConfiguration
    /// The service to register with a server or an in-process transport.
    public let service: TaskMiningService
    /// What the service needs around its handlers: its error mapping.
    public let interceptors: [any ServerInterceptor] = [ErrorMappingInterceptor(TaskMiningError.rpcError(for:))]

    /// Creates the service.
    /// - Parameters:
    ///   - configuration: Limits, defaults and relation-model parameters.
    ///   - knowledgeBase: A transport to the knowledge base (connected on first use), for
    ///     samples referenced by job.
    ///   - logger: Where to log.
    public init(
        configuration: TaskMiningConfiguration = .init(), knowledgeBase: any ClientTransport,
        logger: Logger = Logger(label: "lifelong.taskmining")
    ) {
        self.configuration = configuration
        service = TaskMiningService(
            configuration: configuration,
            knowledgeBase: Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: knowledgeBase)), logger: logger)
    }

    /// The service with its interceptors, for an in-process transport.
    public var router: RPCRouter {
        var router = RPCRouter()
        router.register(service)
        return router.intercepted(by: interceptors)
    }
}
