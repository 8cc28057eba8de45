import Edge
import HTTP2Transport
import LifelongCore
import LifelongProto
import RPCCore
import ServiceHost
import ServiceHostTesting

/// An edge node hosted in-process on port 0 over real HTTP/2 (ServiceHostTesting).
enum EdgeHarness {
    /// What a test gets.
    struct Running: Sendable {
        let edge: Edge
        let host: TestServiceHost.Running
        var inference: Lifelong_V1_EdgeInference.Client { .init(wrapping: RPCClient(transport: host.transport)) }
        var openInference: Inference_GRPCInferenceService.Client { .init(wrapping: RPCClient(transport: host.transport)) }
    }

    static func configuration(node: String = "edge-test") -> EdgeConfiguration {
        var configuration = EdgeConfiguration()
        configuration.node = node
        configuration.jobId = EdgeFixtures.jobId
        configuration.limits.maximumBatchSamples = 64
        configuration.sync.intervalSeconds = 3_600  // tests sync explicitly
        configuration.sync.callTimeoutSeconds = 5
        configuration.sync.initialBackoffSeconds = 0
        configuration.sync.maximumBackoffSeconds = 0
        return configuration
    }

    /// Hosts a node on the store at `path` (no background sync: tests call `edge.sync`).
    static func withEdge<T: Sendable>(
        path: String, configuration: EdgeConfiguration = configuration(), gateway: (any ClientTransport)? = nil,
        _ body: (Running) async throws -> T
    ) async throws -> T {
        let edge = try Edge(configuration: configuration, store: try EdgeStore(path: path), gateway: gateway, logger: HostLogging.silent)
        return try await TestServiceHost.withRunning(
            services: edge.services, interceptors: edge.interceptors, accessPolicy: Edge.accessPolicy
        ) { host in
            try await body(Running(edge: edge, host: host))
        }
    }
}

extension EdgeHarness {
    /// Hosts a node whose store already serves `index` as `version`, with no cloud.
    static func withServing<T: Sendable>(
        _ index: TaskIndex, version: Int64 = 1, configuration: EdgeConfiguration = configuration(),
        _ body: (Running) async throws -> T
    ) async throws -> T {
        try await TemporaryStore.with { path async throws in
            try EdgeFixtures.install(index, version: version, into: try EdgeStore(path: path))
            return try await withEdge(path: path, configuration: configuration, body)
        }
    }
}
