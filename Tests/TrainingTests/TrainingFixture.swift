import HTTP2Transport
import JobQueue
import KnowledgeBase
import LifelongProto
import Logging
import PostgresClient
import KnowledgeBaseTestSupport
import PostgresTestSupport
import RPCCore
import ServiceHost
import ServiceHostTesting
import ServiceLifecycle
import TaskMining
import Training
import PostgresHosting

/// A knowledge base, task mining (reading the KB) and training instances, hosted in-process on
/// port 0 over real HTTP/2, on the test PostgreSQL in throwaway schemas. Training instances
/// share one schema (one queue) and call the KB and task mining through the generated clients
/// over HTTP/2.
struct TrainingEnvironment: Sendable {
    /// The KB, as the tests call it.
    let kb: Lifelong_V1_KnowledgeBase.Client
    /// Each training instance's client.
    let clients: [Lifelong_V1_Training.Client]
    /// Each training instance.
    let instances: [Training]
    /// Where the KB listens.
    let kbPort: Int
    /// Where task mining listens.
    let taskMiningPort: Int
    /// The training schema (shared queue).
    let schema: String

    var training: Lifelong_V1_Training.Client { clients[0] }

    /// The training schema's queue, for looking at units.
    func withQueue<T: Sendable>(_ body: (JobQueue) async throws -> T) async throws -> T {
        var configuration = PostgresPoolConfiguration(connection: TrainingFixture.connection)
        configuration.sessionSettings["search_path"] = schema
        let pool = PostgresPool(configuration: configuration)
        defer { pool.close() }
        return try await body(JobQueue(pool: pool, queue: "training"))
    }
}

enum TrainingFixture {
    static let connection = PostgresTestEnvironment.configuration(applicationName: "TrainingTests")

    /// Options of the training instances of a test.
    struct Options: Sendable {
        var instances = 1
        var workers = true
        var lease: Duration = .seconds(30)
        /// The KB port training calls; nil: the hosted KB's.
        var kbPort: Int?
        /// The task-mining port training calls; nil: the hosted service's.
        var taskMiningPort: Int?
        var boostingEventInterval = 5
        /// nil: `TrainingConfiguration`'s default.
        var boostingEventSpacing: Duration?
    }

    /// Runs `body` with a hosted KB and `options.instances` training instances.
    static func withEnvironment<T: Sendable>(
        _ options: Options = Options(), _ body: @escaping @Sendable (TrainingEnvironment) async throws -> T
    ) async throws -> T {
        // The KB's pool keeps PostgresPoolConfiguration's default size (8): training instances share it.
        try await HostedKnowledgeBase.withRunning(connection: connection, prefix: "trkb", connections: 8) { _, kbRunning in
              let mining = TaskMining(knowledgeBase: kbRunning.transport, logger: HostLogging.silent)
              return try await TestServiceHost.withRunning(services: [mining.service], interceptors: mining.interceptors) { miningRunning in
                try await ThrowawaySchema.with(prefix: "training", connection: connection) { schema in
                    let kbTransport = HTTP2ClientTransport(host: "127.0.0.1", port: options.kbPort ?? kbRunning.port)
                    let miningTransport = HTTP2ClientTransport(host: "127.0.0.1", port: options.taskMiningPort ?? miningRunning.port)
                    defer {
                        Task {
                            await kbTransport.close()
                            await miningTransport.close()
                        }
                    }
                    let instances = (0..<options.instances).map { index in
                        makeInstance(
                            schema: schema, worker: "worker-\(index)", options: options, kbTransport: kbTransport,
                            miningTransport: miningTransport)
                    }
                    for instance in instances { try await instance.migrate() }
                    let kbClient = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbRunning.transport))
                    let environment: @Sendable ([Lifelong_V1_Training.Client]) async throws -> T = { clients in
                        try await body(
                            TrainingEnvironment(
                                kb: kbClient, clients: clients, instances: instances, kbPort: kbRunning.port,
                                taskMiningPort: miningRunning.port, schema: schema))
                    }
                    // Without instances in-process, the tests spawn `lifelong-training` processes.
                    guard options.instances == 0 else {
                        return try await host(instances[...], options: options, clients: [], environment)
                    }
                    return try await SpawnedTrainingEnvironment.shared.with(taskMiningPort: miningRunning.port) {
                        try await environment([])
                    }
                }
              }
        }
    }

    /// A training instance on `schema` calling the KB over `kbTransport` and task mining over
    /// `miningTransport`, with the service token as `lifelong-training` sends it.
    static func makeInstance(
        schema: String, worker: String, options: Options, kbTransport: HTTP2ClientTransport,
        miningTransport: HTTP2ClientTransport
    ) -> Training {
        var pool = PostgresPoolConfiguration(connection: connection)
        pool.maximumConnections = 4
        var configuration = TrainingConfiguration(postgres: pool, workerID: worker)
        configuration.schema = schema
        configuration.lease = options.lease
        configuration.pollInterval = .milliseconds(50)
        configuration.retryDelay = .milliseconds(100)
        configuration.boostingEventInterval = options.boostingEventInterval
        if let spacing = options.boostingEventSpacing { configuration.boostingEventSpacing = spacing }
        configuration.unreachableRetry = .milliseconds(100)
        let token = TestServiceHost.token(.service)
        return Training(
            configuration: configuration,
            knowledgeBase: Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: kbTransport.authenticated(with: token))),
            taskMining: Lifelong_V1_TaskMining.Client(wrapping: RPCClient(transport: miningTransport.authenticated(with: token))),
            logger: HostLogging.silent)
    }

    /// Hosts each instance in turn (nested), then runs `body` with all their clients.
    private static func host<T: Sendable>(
        _ remaining: ArraySlice<Training>, options: Options, clients: [Lifelong_V1_Training.Client],
        _ body: @escaping @Sendable ([Lifelong_V1_Training.Client]) async throws -> T
    ) async throws -> T {
        guard let instance = remaining.first else { return try await body(clients) }
        var background: [any Service] = [PostgresPoolService(instance.pool)]
        if options.workers { background.append(instance.worker) }
        return try await TestServiceHost.withRunning(
            services: [instance.service], interceptors: instance.interceptors, background: background
        ) { running in
            let client = Lifelong_V1_Training.Client(wrapping: RPCClient(transport: running.transport))
            return try await host(remaining.dropFirst(), options: options, clients: clients + [client], body)
        }
    }
}
