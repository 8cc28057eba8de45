import HTTP2Transport
import RPCCore
import ServiceHostTesting
import Testing

/// Our client's connection management: reconnecting after the server went away, keepalive.
@Suite("client reconnect and keepalive")
struct ClientConnectionTests {
    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Echo")

    static func echoServer(port: Int) -> HTTP2Server {
        var router = RPCRouter()
        router.register(method: echo, kind: .bidirectionalStreaming) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message) }
                return [:]
            }
        }
        return HTTP2Server(configuration: .init(host: "127.0.0.1", port: port), router: router)
    }

    /// One request message, all response messages.
    static func call(_ transport: HTTP2ClientTransport, _ message: [UInt8], method: MethodDescriptor = echo) async throws -> [[UInt8]] {
        try await transport.call(
            request: StreamingClientRequest { try await $0.write(message) }, method: method,
            options: CallOptions(timeout: .seconds(20))
        ) { response in
            var messages: [[UInt8]] = []
            for try await part in response.bodyParts {
                if case .message(let bytes) = part { messages.append(bytes) }
            }
            return messages
        }
    }

    @Test("after the server goes away, calls fail with UNAVAILABLE, then reconnect to a new server on the same port")
    func reconnect() async throws {
        // A quiet port (below the ephemeral range): between the first server's shutdown and the
        // second's start, no other test's outgoing connection can take it as its local port.
        let first = Self.echoServer(port: try TestServiceHost.quietPort())
        let port = try await first.start()
        var configuration = HTTP2ClientConfiguration()
        configuration.initialBackoff = .milliseconds(20)
        configuration.maxBackoff = .milliseconds(200)
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port, configuration: configuration)
        #expect(try await Self.call(transport, [1]) == [[1]])
        await first.shutdown()

        let error = await #expect(throws: RPCError.self) { try await Self.call(transport, [2]) }
        #expect(error?.code == .unavailable)

        let second = Self.echoServer(port: port)
        #expect(try await second.start() == port)
        // Calls fail fast while the transport backs off; one of them reconnects (bounded polling).
        var echoed: [[UInt8]]?
        for _ in 0..<400 where echoed == nil {
            do {
                echoed = try await Self.call(transport, [3])
            } catch let error as RPCError where error.code == .unavailable {
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(echoed == [[3]])
        await transport.close()
        await second.shutdown()
    }

    @Test("keepalive PINGs are sent while a call waits, at the configured interval")
    func keepalive() async throws {
        // The peer answers once it has received 3 PINGs on the connection and held the call
        // 0.4 s, with the number of PINGs it received: at least 3 (the default is no PINGs at
        // all) and at most one per 50 ms of the call, plus one. Load can only delay PINGs, so
        // the bound holds on a busy machine.
        let peer = try await PythonPeer.Server("keepalive_server.py")
        var configuration = HTTP2ClientConfiguration()
        configuration.keepaliveInterval = .milliseconds(50)
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: peer.port, configuration: configuration)
        let clock = ContinuousClock()
        let started = clock.now
        let reply = try await Self.call(
            transport, [], method: MethodDescriptor(fullyQualifiedService: "lifelong.test.Keepalive", method: "Count"))
        let elapsed = clock.now - started
        let text = try #require(reply.first.map { String(decoding: $0, as: UTF8.self) })
        let fields = Dictionary(
            uniqueKeysWithValues: text.split(separator: " ").compactMap { field -> (String, Int)? in
                let parts = field.split(separator: "=")
                guard parts.count == 2, let value = Int(parts[1]) else { return nil }
                return (String(parts[0]), value)
            })
        let pings = try #require(fields["pings"], "\(text)")
        let elapsedMilliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        #expect(pings >= 3, "\(text)")
        #expect(pings <= elapsedMilliseconds / 50 + 1, "\(pings) PINGs in a call of \(elapsedMilliseconds) ms: sent faster than every 50 ms")
        await transport.close()
        await peer.stop()
    }
}
