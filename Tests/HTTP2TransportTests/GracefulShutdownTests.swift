import HTTP2Transport
import RPCCore
import Synchronization
import Testing

/// `HTTP2Server.shutdown(gracePeriod:)` with our client over sockets: calls that finish within
/// the grace period complete, those that outlive it get UNAVAILABLE from the server, new calls
/// are refused, and every connection the observer saw open it also saw closed.
@Suite("graceful shutdown with a grace period")
struct GracefulShutdownTests {
    typealias Bytes = UnaryFastPathTests.Bytes

    /// A unary call's response message.
    static func call(_ client: RPCClient, _ method: MethodDescriptor, _ message: [UInt8]) async throws -> Bytes {
        let response: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes(message)), method: method)
        return response.message
    }

    static let slow = MethodDescriptor(fullyQualifiedService: "lifelong.test.Shutdown", method: "Slow")
    static let quick = MethodDescriptor(fullyQualifiedService: "lifelong.test.Shutdown", method: "Quick")
    static let streaming = MethodDescriptor(fullyQualifiedService: "lifelong.test.Shutdown", method: "Streaming")

    /// Slow sleeps a minute; Quick answers after 300 ms; Streaming sends one message, then sleeps.
    static func makeServer(observer: CountingObserver) -> (HTTP2Server, AsyncStream<String>) {
        let (events, sink) = AsyncStream<String>.makeStream()
        var router = RPCRouter()
        router.registerUnary(slow) { (request: Bytes, _) -> Bytes in
            sink.yield("slow started")
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                sink.yield("slow cancelled")
                throw error
            }
            return request
        }
        router.registerUnary(quick) { (request: Bytes, _) -> Bytes in
            sink.yield("quick started")
            try await Task.sleep(for: .milliseconds(300))
            return request
        }
        router.register(method: streaming, kind: .serverStreaming) { _, _ in
            StreamingServerResponse { writer in
                try await writer.write([9])
                sink.yield("streaming wrote")
                try await Task.sleep(for: .seconds(60))
                return [:]
            }
        }
        let server = HTTP2Server(
            configuration: .init(host: "127.0.0.1", port: 0), router: router, observer: observer)
        return (server, events)
    }

    @Test("a slow call outliving the grace period gets UNAVAILABLE, a quick one completes, new calls are refused")
    func gracePeriod() async throws {
        let observer = CountingObserver()
        let (server, events) = Self.makeServer(observer: observer)
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = RPCClient(transport: transport)
        var seen = events.makeAsyncIterator()

        let slowCall = Task { try await Self.call(client, Self.slow, [1]) }
        #expect(await seen.next() == "slow started")
        let streamingCall = Task {
            try await transport.call(
                request: StreamingClientRequest { try await $0.write([]) }, method: Self.streaming, options: .defaults
            ) { response in
                var messages: [[UInt8]] = []
                for try await part in response.bodyParts {
                    if case .message(let bytes) = part { messages.append(bytes) }
                }
                return messages
            }
        }
        #expect(await seen.next() == "streaming wrote")
        let quickCall = Task { try await Self.call(client, Self.quick, [2]) }
        #expect(await seen.next() == "quick started")

        let shutdown = Task { await server.shutdown(gracePeriod: .seconds(2)) }
        // In flight and quick: it completes during the grace period.
        #expect(try await quickCall.value == Bytes([2]))
        // Once the final GOAWAY reached the client, a new call is not served. Until then a call
        // may still be (the first GOAWAY only announces the shutdown), so poll with a method the
        // server does not have: served, it fails UNIMPLEMENTED; refused, UNAVAILABLE.
        let unknown = MethodDescriptor(fullyQualifiedService: "lifelong.testing.v1.Nothing", method: "Here")
        var refused: RPCError.Code?
        for _ in 0..<200 where refused == nil {
            do {
                _ = try await Self.call(client, unknown, [3])
                Issue.record("a call to an unknown method succeeded")
                break
            } catch let error as RPCError where error.code == .unimplemented {
                try await Task.sleep(for: .milliseconds(10))
            } catch let error as RPCError {
                refused = error.code
            }
        }
        #expect(refused == .unavailable)
        // The slow calls outlive the grace period: the server ends them with UNAVAILABLE (the
        // message says so, not a broken connection), and cancels the handler.
        let slowError = await #expect(throws: RPCError.self) { _ = try await slowCall.value }
        #expect(slowError?.code == .unavailable)
        #expect(slowError?.message == "the server is shutting down")
        #expect(await seen.next() == "slow cancelled")
        let streamingError = await #expect(throws: RPCError.self) { _ = try await streamingCall.value }
        #expect(streamingError?.code == .unavailable)
        #expect(streamingError?.message == "the server is shutting down")
        await shutdown.value
        await transport.close()

        let counts = observer.counts
        #expect(counts.opened >= 1)
        #expect(counts.opened == counts.closed)
    }

    @Test("the observer sees every connection open and close, and the bytes both ways")
    func observerCounts() async throws {
        let observer = CountingObserver()
        let (server, _) = Self.makeServer(observer: observer)
        let port = try await server.start()
        for index in 0..<3 {
            let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
            let client = RPCClient(transport: transport)
            let request = [UInt8](repeating: UInt8(index), count: 1000)
            #expect(try await Self.call(client, Self.quick, request) == Bytes(request))
            await transport.close()
        }
        // The server sees the clients' closes asynchronously.
        for _ in 0..<100 where observer.counts.closed < 3 {
            try await Task.sleep(for: .milliseconds(50))
        }
        let counts = observer.counts
        #expect(counts.opened == 3)
        #expect(counts.closed == 3)
        // Three 1000-byte requests and responses, plus preface, SETTINGS and headers.
        #expect(counts.received > 3 * 1000)
        #expect(counts.sent > 3 * 1000)
        await server.shutdown()
    }
}
