import HTTP2Transport
import RPCCore
import Testing

/// `maxConnectionsPerAddress` and `maxConnections`: a connection beyond the limit is closed at
/// once and its client gets UNAVAILABLE; clients connected before keep calling without errors;
/// once one of them has left, a new connection is served.
@Suite("connection limits")
struct ConnectionLimitTests {
    typealias Bytes = UnaryFastPathTests.Bytes

    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Limits", method: "Echo")

    static func call(_ transport: HTTP2ClientTransport, _ byte: UInt8) async throws -> [UInt8] {
        let response: ClientResponse<Bytes> = try await RPCClient(transport: transport).unary(
            request: ClientRequest(message: Bytes([byte])), method: echo, options: CallOptions(timeout: .seconds(10)))
        return response.message.bytes
    }

    @Test("per address and in total", arguments: [true, false])
    func limit(perAddress: Bool) async throws {
        var router = RPCRouter()
        router.registerUnary(Self.echo) { (request: Bytes, _) -> Bytes in request }
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        if perAddress { configuration.maxConnectionsPerAddress = 2 } else { configuration.maxConnections = 2 }
        let observer = CountingObserver()
        let server = HTTP2Server(configuration: configuration, router: router, observer: observer)
        let port = try await server.start()
        let first = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let second = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        #expect(try await Self.call(first, 1) == [1])
        #expect(try await Self.call(second, 2) == [2])

        let third = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let refused = await #expect(throws: RPCError.self) { _ = try await Self.call(third, 3) }
        #expect(refused?.code == .unavailable)
        #expect(observer.counts.rejected.first == (perAddress ? .tooManyFromAddress : .tooManyConnections))
        // A raw peer learns why: SETTINGS, then GOAWAY(0, ENHANCE_YOUR_CALM, the limit), then EOF.
        let reason: HTTP2ConnectionRejection = perAddress ? .tooManyFromAddress : .tooManyConnections
        let refusal = try await PythonPeer.run(
            "connection_client.py", arguments: ["refused", "127.0.0.1:\(port)", reason.rawValue])
        #expect(refusal.status == 0, "\(refusal.output)")
        // The clients connected before the limit was hit see no error.
        for round in 0..<20 {
            #expect(try await Self.call(first, UInt8(round)) == [UInt8(round)])
            #expect(try await Self.call(second, UInt8(round)) == [UInt8(round)])
        }
        #expect(observer.counts.opened == 2)

        // The refused client stops retrying (else it may take the slot freed below first).
        await third.close()
        // One leaves: once the server has seen it go, a new connection is served.
        await first.close()
        var closed = false
        for _ in 0..<2_400 where !closed {
            closed = observer.counts.closed >= 1
            if !closed { try await Task.sleep(for: .milliseconds(25)) }
        }
        #expect(closed)
        let fourth = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        #expect(try await Self.call(fourth, 4) == [4])
        await fourth.close()
        await second.close()
        await server.shutdown()
    }
}
