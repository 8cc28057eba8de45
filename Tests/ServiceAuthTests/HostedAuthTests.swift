import Foundation
import HTTP2Transport
import LifelongProto
import LifelongTestProto
import ProcessTestSupport
import RPCCore
import ServiceAuth
import ServiceHost
import ServiceHostTesting
import Testing

/// A client interceptor that sends exactly the `authorization` values given (malformed ones too).
private struct RawAuthorization: ClientInterceptor {
    let values: [String]

    func intercept<Result: Sendable>(
        metadata: Metadata, method: MethodDescriptor, options: CallOptions,
        next: @Sendable (Metadata, CallOptions) async throws -> Result
    ) async throws -> Result {
        var metadata = metadata
        for value in values { metadata.addString(value, forKey: "authorization") }
        return try await next(metadata, options)
    }
}

/// A leaf naming a node.
private func leaf(_ name: String, _ value: Int32 = 0) -> Lifelong_Testing_V1_Leaf {
    var leaf = Lifelong_Testing_V1_Leaf()
    leaf.name = name
    leaf.value = value
    return leaf
}

@Suite("Bearer tokens on a hosted service, over HTTP/2 on loopback")
struct HostedAuthTests {
    typealias Probe = Lifelong_Testing_V1_ProbeService

    /// Runs `body` with the probe service hosted under its policy and the test tokens.
    private func withProbe(_ body: (TestServiceHost.Running) async throws -> Void) async throws {
        try await TestServiceHost.withRunning(services: [NodeProbeService()], accessPolicy: NodeProbeService.policy) { running in
            try await body(running)
        }
    }

    private func client(_ running: TestServiceHost.Running, _ scope: TokenScope?, node: String? = nil) -> Probe.Client {
        Probe.Client(wrapping: RPCClient(transport: running.transport(token: scope.map { TestServiceHost.token($0, node: node) })))
    }

    private func sum(_ client: Probe.Client) async throws -> Int32 {
        try await client.sum { writer in
            try await writer.write(leaf("a", 2))
            try await writer.write(leaf("b", 3))
        }.value
    }

    @Test("No token, or an 'authorization' that is not one 'Bearer <token>': UNAUTHENTICATED, for unary and streaming calls")
    func missingOrMalformed() async throws {
        try await withProbe { running in
            let missing = await statusCode { _ = try await client(running, nil).echo(leaf("edge-a")) }
            #expect(missing?.0 == .unauthenticated)
            #expect(missing?.1 == "missing bearer token in 'authorization' metadata")
            #expect(await statusCode { _ = try await sum(client(running, nil)) }?.0 == .unauthenticated)

            let admin = TestServiceHost.token(.admin).value
            for values in [["Basic \(admin)"], ["Bearer"], [admin], ["Bearer \(admin) extra"], ["Bearer \(admin)", "Bearer \(admin)"]] {
                let transport = InterceptedClientTransport(running.plainTransport, interceptors: [RawAuthorization(values: values)])
                let probe = Probe.Client(wrapping: RPCClient(transport: transport))
                let status = await statusCode { _ = try await probe.echo(leaf("edge-a")) }
                #expect(status?.0 == .unauthenticated, "\(values.count) value(s)")
                #expect(status?.1.contains(admin) == false)
            }
            // The scheme is case-insensitive (RFC 7235).
            let lowercaseScheme = RawAuthorization(values: ["bearer \(admin)"])
            let lowercase = Probe.Client(
                wrapping: RPCClient(transport: InterceptedClientTransport(running.plainTransport, interceptors: [lowercaseScheme])))
            let answer = try await lowercase.echo(leaf("x")).name
            #expect(answer == "admin token")
        }
    }

    @Test("A token the service does not know: UNAUTHENTICATED, without echoing it")
    func unknownToken() async throws {
        try await withProbe { running in
            let forged = try TokenFile.generate(scope: .admin).token
            let probe = Probe.Client(wrapping: RPCClient(transport: running.transport(token: forged)))
            let status = await statusCode { _ = try await probe.echo(leaf("edge-a")) }
            #expect(status?.0 == .unauthenticated)
            #expect(status?.1 == "unknown bearer token")
        }
    }

    @Test("A known token whose scope the method does not accept: PERMISSION_DENIED naming the method and the scope")
    func wrongScope() async throws {
        try await withProbe { running in
            let reader = await statusCode { _ = try await sum(client(running, .reader)) }
            #expect(reader?.0 == .permissionDenied)
            #expect(reader?.1 == "a reader token may not call /lifelong.testing.v1.ProbeService/Sum (it accepts: admin, service)")
            #expect(await statusCode { _ = try await sum(client(running, .edge, node: "edge-a")) }?.0 == .permissionDenied)
            // The reader may call what the policy opens to it.
            let answer = try await client(running, .reader).echo(leaf("edge-a")).name
            #expect(answer == "reader token")
        }
    }

    @Test("An edge token acts for its own node only (Principal.requireNode), in unary and streaming handlers")
    func edgeTokenOfAnotherNode() async throws {
        try await withProbe { running in
            let edgeA = client(running, .edge, node: "edge-a")
            #expect(try await edgeA.echo(leaf("edge-a")).name == "edge token of node edge-a")
            let denied = await statusCode { _ = try await edgeA.echo(leaf("edge-b")) }
            #expect(denied?.0 == .permissionDenied)
            #expect(denied?.1 == "edge token of node edge-a may not act for node edge-b (name)")
            let streamed = await statusCode {
                try await edgeA.expand(leaf("edge-b")) { response in
                    for try await _ in response.messages {}
                }
            }
            #expect(streamed?.0 == .permissionDenied)
            let own = try await edgeA.expand(leaf("edge-a")) { response in
                var names: [String] = []
                for try await leaf in response.messages { names.append(leaf.name) }
                return names
            }
            #expect(own == ["edge token of node edge-a"])
        }
    }

    @Test("Admin and service tokens pass every method and may act for any node")
    func adminAndServicePass() async throws {
        try await withProbe { running in
            for scope in [TokenScope.admin, .service] {
                let total = try await sum(client(running, scope))
                #expect(total == 5)
                let answer = try await client(running, scope).echo(leaf("edge-b")).name
                #expect(answer == "\(scope) token")
            }
        }
    }

    @Test("Health and reflection need no token (probes send none)")
    func healthIsOpen() async throws {
        try await withProbe { running in
            let health = Grpc_Health_V1_Health.Client(wrapping: RPCClient(transport: running.plainTransport))
            #expect(try await health.check(Grpc_Health_V1_HealthCheckRequest()).status == .serving)
            var listServices = Grpc_Reflection_V1_ServerReflectionRequest()
            listServices.messageRequest = .listServices("")
            let request = listServices
            let reflection = Grpc_Reflection_V1_ServerReflection.Client(wrapping: RPCClient(transport: running.plainTransport))
            let services = try await reflection.serverReflectionInfo(requestProducer: { try await $0.write(request) }) { response in
                var names: [String] = []
                for try await message in response.messages {
                    if case .listServicesResponse(let list)? = message.messageResponse { names += list.service.map(\.name) }
                }
                return names
            }
            #expect(services.contains("lifelong.testing.v1.ProbeService"))
        }
    }

    @Test("With --no-auth every call is accepted, with no principal")
    func noAuth() async throws {
        var options = TestServiceHost.options
        options.authTokens = nil
        options.noAuth = true
        try await TestServiceHost.withRunning(services: [NodeProbeService()], options: options) { running in
            let probe = Probe.Client(wrapping: RPCClient(transport: running.plainTransport))
            let answer = try await probe.echo(leaf("edge-b")).name
            #expect(answer == "anonymous")
        }
    }

    @Test("A host with neither --auth-tokens nor --no-auth, or a malformed token file, refuses to start and says how to fix it")
    func refusesToStart() throws {
        var options = TestServiceHost.options
        options.authTokens = nil
        let refused = #expect(throws: AuthConfigurationError.self) {
            _ = try ServiceApplication(
                identity: TestServiceHost.identity, options: options, logger: HostLogging.silent, services: [NodeProbeService()])
        }
        #expect(refused?.code == .notConfigured)
        for fix in ["--auth-tokens FILE", "LIFELONG_TEST_AUTH_TOKENS", "lifelong-tokens", "--no-auth"] {
            #expect(refused?.message.contains(fix) == true, "\(fix) in \(refused?.message ?? "")")
        }
        try TemporaryFolder.with { folder in
            options.authTokens = folder + "/tokens.sha256"
            try "sha256:\(TokenFileTests.hash) superuser\n".write(toFile: folder + "/tokens.sha256", atomically: true, encoding: .utf8)
            let malformed = #expect(throws: AuthConfigurationError.self) {
                _ = try ServiceApplication(
                    identity: TestServiceHost.identity, options: options, logger: HostLogging.silent, services: [NodeProbeService()])
            }
            #expect(malformed?.message.contains("tokens.sha256:1: unknown scope 'superuser'") == true)
        }
        #expect(throws: (any Error).self) { try HostOptions.parse(["--auth-tokens", "/t", "--no-auth"]) }
    }

    @Test("The built lifelong-taskmining exits with the fix when started without tokens")
    func executableRefusesToStart() async throws {
        let executable = try TestProcess.builtExecutable("lifelong-taskmining").path
        let failure = await #expect(throws: TestProcess.Failure.self) {
            _ = try await TestProcess.run(executable, ["--port", "0"])
        }
        #expect(failure?.description.contains("lifelong-taskmining requires bearer tokens: give --auth-tokens FILE") == true,
                "\(failure?.description ?? "")")
    }
}
