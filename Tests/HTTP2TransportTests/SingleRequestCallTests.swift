import HTTP2Transport
import RPCCore
import Testing

/// Our client against our server: the fast paths of single-request calls (the handler starts
/// once the request is in) and of single-response calls (headers, message and status leave in
/// one hop), compared with what a handler of any call kind must see and send.
@Suite("single-request and single-response calls")
struct SingleRequestCallTests {
    static let unary = MethodDescriptor(fullyQualifiedService: "lifelong.test.Single", method: "Unary")
    static let expand = MethodDescriptor(fullyQualifiedService: "lifelong.test.Single", method: "Expand")
    static let failAfterWrite = MethodDescriptor(fullyQualifiedService: "lifelong.test.Single", method: "FailAfterWrite")
    static let expandThenFail = MethodDescriptor(fullyQualifiedService: "lifelong.test.Single", method: "ExpandThenFail")

    /// Unary: answers the number of request messages it saw, with header and trailer metadata.
    /// Server-streaming: writes each byte of its request as one message. FailAfterWrite (unary):
    /// writes a message, then fails. ExpandThenFail (server-streaming): writes each byte of its
    /// request as one message, then fails.
    static func makeServer() -> HTTP2Server {
        var router = RPCRouter()
        router.register(method: unary, kind: .unary) { request, _ in
            var count = 0
            for try await _ in request.messages { count += 1 }
            let seen = count
            return StreamingServerResponse(metadata: ["x-seen": .string(String(seen))]) { writer in
                try await writer.write([UInt8(seen)])
                return ["x-trailer": .string("done")]
            }
        }
        router.register(method: expand, kind: .serverStreaming) { request, _ in
            var messages: [[UInt8]] = []
            for try await message in request.messages { messages.append(message) }
            let received = messages
            return StreamingServerResponse { writer in
                for byte in received.first ?? [] { try await writer.write([byte]) }
                return [:]
            }
        }
        router.register(method: failAfterWrite, kind: .unary) { _, _ in
            StreamingServerResponse { writer in
                try await writer.write([7])
                throw RPCError(code: .dataLoss, message: "failed after writing")
            }
        }
        router.register(method: expandThenFail, kind: .serverStreaming) { request, _ in
            var messages: [[UInt8]] = []
            for try await message in request.messages { messages.append(message) }
            let received = messages
            return StreamingServerResponse { writer in
                for byte in received.first ?? [] { try await writer.write([byte]) }
                throw RPCError(code: .dataLoss, message: "failed after streaming")
            }
        }
        return HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), router: router)
    }

    struct Outcome: Sendable {
        var headers: Metadata
        var messages: [[UInt8]]
        var trailers: Metadata
    }

    static func call(_ transport: HTTP2ClientTransport, _ method: MethodDescriptor, _ messages: [[UInt8]]) async throws -> Outcome {
        try await transport.call(
            request: StreamingClientRequest { writer in try await writer.write(contentsOf: messages) }, method: method,
            options: .defaults
        ) { response in
            var outcome = Outcome(headers: response.metadata, messages: [], trailers: [:])
            for try await part in response.bodyParts {
                switch part {
                case .message(let message): outcome.messages.append(message)
                case .trailingMetadata(let trailers): outcome.trailers = trailers
                }
            }
            return outcome
        }
    }

    @Test("a unary handler sees the request messages sent (0, 1 or 2; more are cut at 2)", arguments: [0, 1, 2, 3])
    func unaryMessageCount(sent: Int) async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let outcome = try await Self.call(transport, Self.unary, Array(repeating: [1, 2, 3], count: sent))
        let seen = min(sent, 2)
        #expect(outcome.headers[stringValues: "x-seen"] == [String(seen)])
        #expect(outcome.messages == [[UInt8(seen)]])
        #expect(outcome.trailers[stringValues: "x-trailer"] == ["done"])
        await transport.close()
        await server.shutdown()
    }

    @Test("a server-streaming handler gets its request and streams every message")
    func serverStreaming() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let outcome = try await Self.call(transport, Self.expand, [Array(0..<200)])
        #expect(outcome.messages == (0..<200).map { [UInt8($0)] })
        await transport.close()
        await server.shutdown()
    }

    @Test("messages a streaming call received before an error status reach the caller before the error")
    func messagesBeforeErrorStatus() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let (messages, error) = try await transport.call(
            request: StreamingClientRequest { writer in try await writer.write(Array(0..<20)) }, method: Self.expandThenFail,
            options: .defaults
        ) { response in
            // Read only once the status has (almost surely) arrived behind the messages: they
            // must not be dropped in favour of it.
            try await Task.sleep(for: .milliseconds(300))
            var messages: [[UInt8]] = []
            do {
                for try await part in response.bodyParts {
                    if case .message(let message) = part { messages.append(message) }
                }
            } catch let error as RPCError {
                return (messages, Optional(error))
            }
            return (messages, RPCError?.none)
        }
        #expect(messages == (0..<20).map { [UInt8($0)] })
        #expect(error?.code == .dataLoss)
        await transport.close()
        await server.shutdown()
    }

    @Test("a unary handler that fails after writing sends its message, then the error status")
    func failureAfterWrite() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let error = await #expect(throws: RPCError.self) { try await Self.call(transport, Self.failAfterWrite, [[1]]) }
        #expect(error?.code == .dataLoss)
        #expect(error?.message == "failed after writing")
        // The connection stays usable.
        #expect(try await Self.call(transport, Self.unary, [[1]]).messages == [[1]])
        await transport.close()
        await server.shutdown()
    }
}
