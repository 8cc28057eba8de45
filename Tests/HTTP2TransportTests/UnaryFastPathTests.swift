import HTTP2Transport
import RPCCore
import Testing

/// The unary fast paths: the client's `unary` (one hop to the loop, one resumption) and the
/// router's `unaryHandler` shortcut on the server, against what the generic paths do.
@Suite("unary fast paths")
struct UnaryFastPathTests {
    static let echo = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "Echo")
    static let withMetadata = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "WithMetadata")
    static let twoMessages = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "TwoMessages")
    static let noMessage = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "NoMessage")
    static let failing = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "Failing")
    static let slow = MethodDescriptor(fullyQualifiedService: "lifelong.test.Fast", method: "Slow")

    /// A typed message of raw bytes.
    struct Bytes: RPCMessage, Equatable {
        var bytes: [UInt8]
        init() { bytes = [] }
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        init(serializedBytes: [UInt8]) throws { bytes = serializedBytes }
        func serializedBytes() throws -> [UInt8] { bytes }
    }

    static func makeServer() -> HTTP2Server {
        var router = RPCRouter()
        router.registerUnary(echo) { (request: Bytes, _) in request }
        router.registerUnary(failing) { (_: Bytes, _) -> Bytes in
            throw RPCError(code: .failedPrecondition, message: "no\tway")
        }
        router.registerUnary(slow) { (request: Bytes, _) -> Bytes in
            try await Task.sleep(for: .seconds(30))
            return request
        }
        router.register(method: withMetadata, kind: .unary) { request, _ in
            var messages: [[UInt8]] = []
            for try await message in request.messages { messages.append(message) }
            let echoed = messages.first ?? []
            return StreamingServerResponse(metadata: ["x-head": .string("h")]) { writer in
                try await writer.write(echoed)
                return ["x-trailer": .string("t"), "x-bin": .binary([0, 255])]
            }
        }
        router.register(method: twoMessages, kind: .unary) { _, _ in
            StreamingServerResponse { writer in
                try await writer.write([1])
                try await writer.write([2])
                return [:]
            }
        }
        router.register(method: noMessage, kind: .unary) { _, _ in
            StreamingServerResponse { _ in [:] }
        }
        return HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), router: router)
    }

    @Test("typed unary calls through the fast path and through the generic path agree")
    func fastAndGenericAgree() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let fast = RPCClient(transport: transport)
        let generic = RPCClient(transport: CallOnlyTransport(base: transport))
        for size in [0, 1, 80, 70_000] {
            let request = ClientRequest(message: Bytes(Array(repeating: UInt8(size % 251), count: size)))
            let a: ClientResponse<Bytes> = try await fast.unary(request: request, method: Self.echo)
            let b: ClientResponse<Bytes> = try await generic.unary(request: request, method: Self.echo)
            #expect(a.message == request.message)
            #expect(b.message == request.message)
        }
        let request = ClientRequest(message: Bytes([9, 8]), metadata: ["x-request": .string("r")])
        let a: ClientResponse<Bytes> = try await fast.unary(request: request, method: Self.withMetadata)
        let b: ClientResponse<Bytes> = try await generic.unary(request: request, method: Self.withMetadata)
        for response in [a, b] {
            #expect(response.message == Bytes([9, 8]))
            #expect(response.metadata[stringValues: "x-head"] == ["h"])
            #expect(response.trailingMetadata[stringValues: "x-trailer"] == ["t"])
            #expect(response.trailingMetadata[binaryValues: "x-bin"] == [[0, 255]])
        }
        await transport.close()
        await server.shutdown()
    }

    @Test("a unary response with two messages or none fails with INTERNAL", arguments: [twoMessages, noMessage])
    func wrongResponseCount(method: MethodDescriptor) async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = RPCClient(transport: transport)
        await #expect(throws: RPCError.self) {
            let _: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes([1])), method: method)
        }
        do {
            let _: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes([1])), method: method)
        } catch let error as RPCError {
            #expect(error.code == .internalError)
        }
        // The connection still serves calls.
        let echoed: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes([5])), method: Self.echo)
        #expect(echoed.message == Bytes([5]))
        await transport.close()
        await server.shutdown()
    }

    @Test("errors, deadlines and cancellation of a unary call")
    func failures() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = RPCClient(transport: transport)
        do {
            let _: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes()), method: Self.failing)
            Issue.record("the call should have failed")
        } catch let error as RPCError {
            #expect(error.code == .failedPrecondition)
            #expect(error.message == "no\tway")
        }
        do {
            let _: ClientResponse<Bytes> = try await client.unary(
                request: ClientRequest(message: Bytes()), method: Self.slow, options: CallOptions(timeout: .milliseconds(200)))
            Issue.record("the call should have timed out")
        } catch let error as RPCError {
            #expect(error.code == .deadlineExceeded)
        }
        let task = Task {
            let _: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes()), method: Self.slow)
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        do {
            try await task.value
            Issue.record("the call should have been cancelled")
        } catch let error as RPCError {
            #expect(error.code == .cancelled)
        }
        // A task cancelled before its call starts fails at once.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            let _: ClientResponse<Bytes> = try await client.unary(request: ClientRequest(message: Bytes()), method: Self.echo)
        }
        let earlyError = await #expect(throws: (any Error).self) { try await early.value }
        #expect(earlyError.map { RPCError(mapping: $0).code } == .cancelled, "\(String(describing: earlyError))")
        await transport.close()
        await server.shutdown()
    }

    @Test("calls from a task on the transport's executor")
    func onExecutor() async throws {
        let server = Self.makeServer()
        let port = try await server.start()
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: port)
        let client = RPCClient(transport: transport)
        try await withTaskExecutorPreference(transport.executor) {
            for value in 0..<20 {
                let response: ClientResponse<Bytes> = try await client.unary(
                    request: ClientRequest(message: Bytes([UInt8(value)])), method: Self.echo)
                #expect(response.message == Bytes([UInt8(value)]))
            }
        }
        await transport.close()
        await server.shutdown()
    }
}

/// Exposes only `call`, so unary calls take `ClientTransport`'s default `unary`.
private struct CallOnlyTransport: ClientTransport {
    let base: HTTP2ClientTransport

    func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        try await base.call(request: request, method: method, options: options, handler: handler)
    }
}
