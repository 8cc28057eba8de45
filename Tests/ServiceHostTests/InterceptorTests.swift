import LifelongTestProto
import RPCCore
import ServiceHost
import Testing

/// Records the order in which interceptors see a call and its outcome.
private struct RecordingInterceptor: ServerInterceptor {
    let name: String
    let log: Locked<[String]>

    init(_ name: String, _ log: Locked<[String]>) {
        self.name = name
        self.log = log
    }

    func intercept(
        request: StreamingServerRequest<[UInt8]>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<[UInt8]>, ServerContext) async throws -> StreamingServerResponse<[UInt8]>
    ) async throws -> StreamingServerResponse<[UInt8]> {
        log.update { $0.append("\(name) in") }
        let response = try await next(request, context)
        return StreamingServerResponse(metadata: response.metadata) { writer in
            let trailers = try await response.producer(writer)
            log.update { $0.append("\(name) out") }
            return trailers
        }
    }
}


/// A client transport that records what reaches it and answers nothing.
private struct RecordingTransport: ClientTransport {
    let seen = Locked<[(Metadata, CallOptions)]>([])

    func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>, method: MethodDescriptor, options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        seen.update { $0.append((request.metadata, options)) }
        throw RPCError(code: .unavailable, message: "recording only")
    }
}

@Suite("Interceptors")
struct InterceptorTests {
    private func router(_ service: ProbeServiceForTests, _ interceptors: [any ServerInterceptor]) -> RPCRouter {
        var router = RPCRouter()
        router.register(service)
        return router.intercepted(by: interceptors)
    }

    @Test("server interceptors nest in order: the first sees the call first and its end last", arguments: [false, true])
    func serverOrder(unaryFastPath: Bool) async throws {
        let log = Locked<[String]>([])
        let service = ProbeServiceForTests(duringEcho: { log.update { $0.append("handler") } })
        let router = router(service, [RecordingInterceptor("a", log), RecordingInterceptor("b", log)])
        let echo = Lifelong_Testing_V1_ProbeService.Method.Echo.descriptor
        let request = try Lifelong_Testing_V1_Leaf("x", 1).serializedBytes()
        let context = ServerContext(method: echo, peer: "test")
        let route = try #require(router.route(forPath: echo.path))
        if unaryFastPath {
            let unary = try #require(route.unaryHandler)
            let reply = try await unary(request, context)
            #expect(try Lifelong_Testing_V1_Leaf(serializedBytes: reply) == Lifelong_Testing_V1_Leaf("x", 1))
        } else {
            let response = try await route.handler(StreamingServerRequest(metadata: [:], messages: .elements([request])), context)
            _ = try await response.producer(RPCWriter { (_: [UInt8]) in })
        }
        // The unary fast path adapts interceptors that only implement the streaming form.
        #expect(log.value == ["a in", "b in", "handler", "b out", "a out"])
    }

    @Test("error mapping turns a handler's error into the status the client gets")
    func errorMapping() async throws {
        struct DatabaseDown: Error {}
        let service = ProbeServiceForTests(duringEcho: { throw DatabaseDown() })
        let mapping = ErrorMappingInterceptor { error in
            error is DatabaseDown ? RPCError(code: .unavailable, message: "database down") : RPCError(mapping: error)
        }
        let client = Lifelong_Testing_V1_ProbeService.Client(
            wrapping: RPCClient(transport: InProcessTransport(router: router(service, [mapping]))))
        let error = await #expect(throws: RPCError.self) { try await client.echo(Lifelong_Testing_V1_Leaf("x")) }
        #expect(error?.code == .unavailable)
        #expect(error?.message == "database down")
    }

    @Test("the served call's deadline bounds outgoing calls; a shorter own timeout stays; the trace travels")
    func deadlinePropagation() async throws {
        let recording = RecordingTransport()
        let outgoing = Lifelong_Testing_V1_ProbeService.Client(
            wrapping: RPCClient(transport: recording.propagatingCallContext()))
        let service = ProbeServiceForTests(duringEcho: {
            _ = try? await outgoing.echo(Lifelong_Testing_V1_Leaf("long"), options: CallOptions(timeout: .seconds(3600)))
            _ = try? await outgoing.echo(Lifelong_Testing_V1_Leaf("short"), options: CallOptions(timeout: .seconds(1)))
        })
        let client = Lifelong_Testing_V1_ProbeService.Client(
            wrapping: RPCClient(transport: InProcessTransport(router: router(service, [TracingServerInterceptor()]))))
        _ = try await client.echo(Lifelong_Testing_V1_Leaf("outer"), options: CallOptions(timeout: .seconds(600)))
        let seen = recording.seen.value
        try #require(seen.count == 2)
        // What remains of the outer 600 s, not the 3,600 s the inner call asked for.
        let bounded = try #require(seen[0].1.timeout)
        #expect(bounded <= .seconds(600))
        #expect(bounded < .seconds(3600))
        // An own timeout shorter than what remains is kept as it is.
        #expect(seen[1].1.timeout == .seconds(1))
        // The trace context travelled too: the served span is the outgoing call's parent.
        let traceparent = try #require(seen[0].0[stringValues: "traceparent"].first)
        let served = try #require(service.seen.value.first?.trace)
        #expect(traceparent == served.traceparent)
    }

    @Test("an outgoing call made after the served call's deadline passed is not sent")
    func expiredDeadline() async throws {
        let recording = RecordingTransport()
        let outgoing = Lifelong_Testing_V1_ProbeService.Client(
            wrapping: RPCClient(transport: InterceptedClientTransport(recording, interceptors: [DeadlinePropagationInterceptor()])))
        let expired = ServerContext(
            method: Lifelong_Testing_V1_ProbeService.Method.Echo.descriptor, peer: "test",
            deadline: ContinuousClock.now - .seconds(1))
        let code: RPCError.Code? = await ServerContext.$current.withValue(expired) {
            do {
                _ = try await outgoing.echo(Lifelong_Testing_V1_Leaf("late"))
                return nil
            } catch {
                return (error as? RPCError)?.code
            }
        }
        #expect(code == .deadlineExceeded)
        #expect(recording.seen.value.isEmpty)
    }
}
