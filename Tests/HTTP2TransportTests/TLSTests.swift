import Foundation
import HTTP2Transport
import LifelongTestProto
import RPCCore
import TLSTestSupport
import Testing

/// TLS in front of HTTP/2: certificates from `scripts/tls/make-test-certs.sh`, made per test.
@Suite("TLS")
struct TLSTests {
    typealias Service = Lifelong_Interop_V1_TestService

    /// A guard against hangs: a refused connection must fail with UNAVAILABLE long before it.
    static let options = CallOptions(timeout: .seconds(10))

    /// Runs `body` against a started TLS server presenting `settings`, then shuts it down.
    static func withServer(
        _ settings: TLSServerSettings, _ body: (HTTP2Server, Int) async throws -> Void
    ) async throws {
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.tls = settings
        let server = HTTP2Server(configuration: configuration, services: [InteropTestService()])
        let port = try await server.start()
        do {
            try await body(server, port)
        } catch {
            await server.shutdown(gracePeriod: .zero)
            throw error
        }
        await server.shutdown(gracePeriod: .zero)
    }

    /// A transport to 127.0.0.1:`port`; TLS trusting `ca` when given, plaintext otherwise.
    static func transport(port: Int, ca: String?, serverName: String? = nil) -> HTTP2ClientTransport {
        var configuration = HTTP2ClientConfiguration()
        configuration.tls = ca.map { TLSClientSettings(trustRootsFile: $0, serverName: serverName) }
        return HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
    }

    /// EmptyCall over `transport`.
    static func call(_ transport: HTTP2ClientTransport) async throws {
        _ = try await Service.Client(wrapping: RPCClient(transport: transport)).emptyCall(.init(), options: options)
    }

    /// The error of a call that must fail.
    static func refusal(_ transport: HTTP2ClientTransport) async -> RPCError? {
        do {
            try await call(transport)
            return nil
        } catch {
            return error as? RPCError
        }
    }

    @Test("our client with the CA calls a TLS server, by address and by name")
    func clientWithCA() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server()) { _, port in
            for serverName in [nil, "localhost"] {
                let transport = Self.transport(port: port, ca: certificates.ca, serverName: serverName)
                try await Self.call(transport)
                await transport.close()
            }
        }
    }

    @Test("a certificate that does not verify is refused", arguments: ["other", "expired"])
    func unverifiedCertificate(name: String) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server(name)) { _, port in
            let transport = Self.transport(port: port, ca: certificates.ca)
            let error = await Self.refusal(transport)
            #expect(error?.code == .unavailable, "\(String(describing: error))")
            #expect(error?.message.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(String(describing: error))")
            await transport.close()
        }
    }

    @Test(
        "a certificate for a name only: verified with that name as serverName, refused by address or another name",
        arguments: [("localhost", true), (nil, false), ("kb.example", false)] as [(String?, Bool)])
    func serverNameOverride(serverName: String?, accepted: Bool) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server("named")) { _, port in
            let transport = Self.transport(port: port, ca: certificates.ca, serverName: serverName)
            let error = await Self.refusal(transport)
            #expect(error?.code == (accepted ? nil : .unavailable), "\(String(describing: error))")
            await transport.close()
        }
    }

    @Test("a plaintext client on a TLS port is refused: the connection closes")
    func plaintextClientOnTLSPort() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server()) { _, port in
            let transport = Self.transport(port: port, ca: nil)
            let error = await Self.refusal(transport)
            #expect(error?.code == .unavailable, "\(String(describing: error))")
            await transport.close()
        }
    }

    @Test("a TLS client on a plaintext port is refused")
    func tlsClientOnPlaintextPort() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        let server = HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), services: [InteropTestService()])
        let port = try await server.start()
        let transport = Self.transport(port: port, ca: certificates.ca)
        let error = await Self.refusal(transport)
        #expect(error?.code == .unavailable, "\(String(describing: error))")
        await transport.close()
        await server.shutdown(gracePeriod: .zero)
    }

    @Test("grpcio with ssl_channel_credentials calls a TLS port; its plaintext channel is refused")
    func grpcioClient() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server()) { _, port in
            let result = try await PythonPeer.run("tls_client.py", arguments: ["127.0.0.1:\(port)", certificates.ca])
            let lines = result.output.split(separator: "\n").map(String.init)
            #expect(lines.contains("PASS tls_empty_unary"), "\(result.output)")
            #expect(lines.contains("PASS plaintext_refused"), "\(result.output)")
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test("reload: new connections get the new certificate, an open one keeps working")
    func reload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server()) { server, port in
            let before = Self.transport(port: port, ca: certificates.ca)
            try await Self.call(before)

            try certificates.replaceServerCertificate(with: "other")
            try server.reloadTLS()

            try await Self.call(before)
            let oldCA = Self.transport(port: port, ca: certificates.ca)
            #expect(await Self.refusal(oldCA)?.code == .unavailable)
            let newCA = Self.transport(port: port, ca: certificates.otherCA)
            try await Self.call(newCA)
            for transport in [before, oldCA, newCA] { await transport.close() }
        }
    }

    @Test("a reload that cannot read its files fails and keeps the previous certificate")
    func failedReload() async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        try await Self.withServer(certificates.server()) { server, port in
            try FileManager.default.removeItem(atPath: certificates.path("server.key"))
            #expect(throws: TLSSetupError.self) { try server.reloadTLS() }
            let transport = Self.transport(port: port, ca: certificates.ca)
            try await Self.call(transport)
            await transport.close()
        }
    }

    @Test(
        "a server whose TLS files cannot be used refuses to start, naming the file",
        arguments: [("missing.key", TLSSetupError.Code.unreadableFile), ("other.key", .invalidConfiguration)])
    func unusableFiles(key: String, code: TLSSetupError.Code) async throws {
        let certificates = try await TestCertificates.make()
        defer { certificates.remove() }
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.tls = TLSServerSettings(
            certificateChainFile: certificates.path("server.pem"), privateKeyFile: certificates.path(key))
        let server = HTTP2Server(configuration: configuration, services: [InteropTestService()])
        let error = await #expect(throws: TLSSetupError.self) { try await server.start() }
        #expect(error?.code == code)
        #expect(error?.message.contains(key) == true, "\(String(describing: error))")
    }
}
