import Edge
import HTTP2Transport
import ServiceHostTesting

/// A node on a fresh store whose gateway is a ``GatewayDouble`` hosted on loopback.
enum SyncHarness {
    static func withGateway<T: Sendable>(
        configuration: EdgeConfiguration = EdgeHarness.configuration(),
        _ body: (GatewayDouble, EdgeHarness.Running) async throws -> T
    ) async throws -> T {
        let gateway = GatewayDouble()
        return try await TestServiceHost.withRunning(services: [gateway]) { cloud async throws in
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: cloud.port)
            defer { Task { await transport.close() } }
            let authenticated = transport.authenticated(with: TestServiceHost.token(.service))
            return try await TemporaryStore.with { path async throws in
                try await EdgeHarness.withEdge(path: path, configuration: configuration, gateway: authenticated) { node async throws in
                    try await body(gateway, node)
                }
            }
        }
    }
}
