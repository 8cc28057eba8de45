import Foundation
import HTTP2Transport
import RPCCore
import Testing

/// Connection-level timeouts and graceful shutdown, seen from raw frames (connection_client.py).
@Suite("connection timeouts and graceful shutdown")
struct ConnectionLifecycleTests {
    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Echo")
    static let flood = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Flood")

    /// Echo answers every message (reporting "received"); Flood writes 64 KiB messages until a
    /// write fails (reporting "stopped").
    static func makeServer(_ configuration: HTTP2ServerConfiguration) -> (HTTP2Server, AsyncStream<String>) {
        let (events, sink) = AsyncStream<String>.makeStream()
        var router = RPCRouter()
        router.register(method: echo, kind: .bidirectionalStreaming) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages {
                    sink.yield("received")
                    try await writer.write(message)
                }
                return [:]
            }
        }
        router.register(method: flood, kind: .bidirectionalStreaming) { _, _ in
            StreamingServerResponse { writer in
                let chunk = [UInt8](repeating: 0x66, count: 64 << 10)
                do {
                    while true { try await writer.write(chunk) }
                } catch {
                    sink.yield("stopped")
                    throw error
                }
            }
        }
        return (HTTP2Server(configuration: configuration, router: router), events)
    }

    /// Whether `wanted` comes, given up after `limit`: the peer that should cause it has its
    /// own 10 s deadline and may have given up and exited (on a loaded machine), and a wait
    /// without end would hang the whole test run instead of failing this test.
    static func firstEvent(_ events: AsyncStream<String>, _ wanted: String, limit: Duration = .seconds(60)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await event in events where event == wanted { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    @Test(
        "each timeout closes the connection as specified",
        arguments: ["preface_timeout", "header_timeout", "idle_timeout", "write_stall"])
    func timeout(_ name: String) async throws {
        // Only the timeout under test is short; the others keep their defaults (seconds).
        var configuration = HTTP2ServerConfiguration(host: "127.0.0.1", port: 0)
        switch name {
        case "preface_timeout": configuration.prefaceTimeout = .milliseconds(200)
        case "header_timeout": configuration.headerTimeout = .milliseconds(200)
        case "idle_timeout": configuration.idleTimeout = .milliseconds(200)
        default: configuration.writeStallTimeout = .milliseconds(300)
        }
        let (server, events) = Self.makeServer(configuration)
        let port = try await server.start()
        let result = try await PythonPeer.run("connection_client.py", arguments: [name, "127.0.0.1:\(port)"]) { input in
            guard name == "write_stall" else { return }
            // The client reads nothing until the server has given up on it.
            #expect(await Self.firstEvent(events, "stopped"))
            input.write(Data("go\n".utf8))
        }
        await server.shutdown(gracePeriod: .seconds(1))
        #expect(result.output.contains("PASS \(name)"), "\(result.output)")
        #expect(result.status == 0)
    }

    @Test("graceful shutdown: GOAWAY(2^31-1), GOAWAY(last id), the call in flight finishes, later streams are not served")
    func gracefulShutdownRaw() async throws {
        let (server, events) = Self.makeServer(.init(host: "127.0.0.1", port: 0))
        let port = try await server.start()
        let result = try await PythonPeer.run(
            "connection_client.py", arguments: ["graceful_shutdown", "127.0.0.1:\(port)"]
        ) { _ in
            #expect(await Self.firstEvent(events, "received"))
            await server.shutdown(gracePeriod: .seconds(30))
        }
        #expect(result.output.contains("PASS graceful_shutdown"), "\(result.output)")
        #expect(result.status == 0)
    }

    @Test("graceful shutdown with our client: the call in flight finishes, a new call gets UNAVAILABLE")
    func gracefulShutdownClient() async throws {
        let (server, events) = Self.makeServer(.init(host: "127.0.0.1", port: 0))
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let (requests, requestSink) = AsyncStream<[UInt8]>.makeStream()
        let call = Task {
            try await transport.call(
                request: StreamingClientRequest { writer in
                    for await message in requests { try await writer.write(message) }
                }, method: Self.echo, options: .defaults
            ) { response in
                var echoed: [[UInt8]] = []
                for try await part in response.bodyParts {
                    if case .message(let bytes) = part { echoed.append(bytes) }
                }
                return echoed
            }
        }
        requestSink.yield([1])
        #expect(await Self.firstEvent(events, "received"))
        let shutdown = Task { await server.shutdown(gracePeriod: .seconds(30)) }
        // The server drains; the call in flight sends the rest of its messages and completes.
        requestSink.yield([2])
        requestSink.finish()
        #expect(try await call.value == [[1], [2]])
        await shutdown.value
        let error = await #expect(throws: RPCError.self) {
            try await transport.call(
                request: StreamingClientRequest { try await $0.write([3]) }, method: Self.echo, options: .defaults
            ) { response in
                for try await _ in response.bodyParts {}
            }
        }
        #expect(error?.code == .unavailable)
        await transport.close()
    }

    @Test("a call still running when the grace period ends is cut off with UNAVAILABLE")
    func gracePeriodExpires() async throws {
        let (server, events) = Self.makeServer(.init(host: "127.0.0.1", port: 0))
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let call = Task {
            try await transport.call(
                request: StreamingClientRequest { writer in
                    try await writer.write([1])
                    try await Task.sleep(for: .seconds(60))
                }, method: Self.echo, options: .defaults
            ) { response in
                for try await _ in response.bodyParts {}
            }
        }
        #expect(await Self.firstEvent(events, "received"))
        await server.shutdown(gracePeriod: .milliseconds(200))
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .unavailable)
        await transport.close()
    }
}
