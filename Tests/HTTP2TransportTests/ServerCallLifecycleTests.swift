import HTTP2Transport
import RPCCore
import Testing

/// Our client against our server: what the handler sees when a call ends early.
@Suite("server call lifecycle")
struct ServerCallLifecycleTests {
    static let hang = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Hang")
    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Probe", method: "Echo")

    /// A server whose Hang handler reports when it starts and when it is cancelled.
    static func makeServer() -> (HTTP2Server, AsyncStream<String>) {
        let (events, sink) = AsyncStream<String>.makeStream()
        var router = RPCRouter()
        router.register(method: hang, kind: .bidirectionalStreaming) { _, _ in
            StreamingServerResponse { _ in
                sink.yield("started")
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    sink.yield("cancelled")
                    throw error
                }
                return [:]
            }
        }
        router.register(method: echo, kind: .bidirectionalStreaming) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message) }
                return [:]
            }
        }
        return (HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), router: router), events)
    }

    static func hangCall(_ transport: HTTP2ClientTransport, options: CallOptions = .defaults) async throws {
        try await transport.call(
            request: StreamingClientRequest { _ in try await Task.sleep(for: .seconds(60)) }, method: hang,
            options: options
        ) { response in
            for try await _ in response.bodyParts {}
        }
    }

    @Test("a deadline fails the call with DEADLINE_EXCEEDED and cancels the handler")
    func deadline() async throws {
        let (server, events) = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let error = await #expect(throws: RPCError.self) {
            try await Self.hangCall(transport, options: CallOptions(timeout: .milliseconds(200)))
        }
        #expect(error?.code == .deadlineExceeded)
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == "started")
        #expect(await iterator.next() == "cancelled")
        await transport.close()
        await server.shutdown()
    }

    @Test("cancelling the client's task resets the stream and cancels the handler")
    func clientCancel() async throws {
        let (server, events) = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let call = Task { try await Self.hangCall(transport) }
        var iterator = events.makeAsyncIterator()
        #expect(await iterator.next() == "started")
        call.cancel()
        let error = await #expect(throws: RPCError.self) { try await call.value }
        #expect(error?.code == .cancelled)
        #expect(await iterator.next() == "cancelled")
        await transport.close()
        await server.shutdown()
    }

    @Test("a request message over the server's limit fails with RESOURCE_EXHAUSTED")
    func receiveLimit() async throws {
        let (server, _) = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let big = [UInt8](repeating: 7, count: (4 << 20) + 1)
        let error = await #expect(throws: RPCError.self) {
            try await transport.call(
                request: StreamingClientRequest { try await $0.write(big) }, method: Self.echo,
                options: CallOptions(maxRequestMessageBytes: 8 << 20)
            ) { response in
                for try await _ in response.bodyParts {}
            }
        }
        #expect(error?.code == .resourceExhausted)
        await transport.close()
        await server.shutdown()
    }

    @Test("many concurrent streaming calls share one connection with backpressure")
    func concurrentEcho() async throws {
        let (server, _) = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let totals = try await withThrowingTaskGroup(of: Int.self) { group in
            for call in 0..<20 {
                group.addTask {
                    try await transport.call(
                        request: StreamingClientRequest { writer in
                            for index in 0..<50 { try await writer.write([UInt8](repeating: UInt8(call), count: 10_000 + index)) }
                        }, method: Self.echo, options: .defaults
                    ) { response in
                        var total = 0
                        for try await part in response.bodyParts {
                            if case .message(let bytes) = part {
                                #expect(bytes.allSatisfy { $0 == UInt8(call) })
                                total += bytes.count
                            }
                        }
                        return total
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(totals == [Int](repeating: 50 * 10_000 + (0..<50).reduce(0, +), count: 20))
        await transport.close()
        await server.shutdown()
    }
}
