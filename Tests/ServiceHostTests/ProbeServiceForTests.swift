import LifelongTestProto
import RPCCore
import ServiceHost

/// `lifelong.testing.v1.ProbeService` for host tests. Echo answers its request, unless the
/// name asks otherwise: `fail` → INVALID_ARGUMENT, `slow` → waits `value` milliseconds first.
/// It records the trace context and deadline it served under.
final class ProbeServiceForTests: Lifelong_Testing_V1_ProbeService.SimpleServiceProtocol, Sendable {
    /// What Echo saw of its call: the trace context and the server context.
    let seen = Locked<[(trace: TraceContext?, context: ServerContext?)]>([])
    /// Called by Echo while it serves (an outgoing call, say).
    let duringEcho: (@Sendable () async throws -> Void)?

    init(duringEcho: (@Sendable () async throws -> Void)? = nil) {
        self.duringEcho = duringEcho
    }

    func echo(request: Lifelong_Testing_V1_Leaf, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        seen.update { $0.append((TraceContext.current, ServerContext.current)) }
        try await duringEcho?()
        switch request.name {
        case "fail": throw RPCError(code: .invalidArgument, message: "name must not be 'fail'")
        case "slow": try await Task.sleep(for: .milliseconds(Int(request.value)))
        default: break
        }
        return request
    }

    func sum(request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        var total = Lifelong_Testing_V1_Leaf()
        for try await leaf in request { total.value += leaf.value }
        return total
    }

    func expand(
        request: Lifelong_Testing_V1_Leaf, response: RPCWriter<Lifelong_Testing_V1_Leaf>, context: ServerContext
    ) async throws {
        for index in 0..<request.value {
            var leaf = request
            leaf.value = index
            try await response.write(leaf)
        }
    }

    func twice(
        request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, response: RPCWriter<Lifelong_Testing_V1_Leaf>,
        context: ServerContext
    ) async throws {
        for try await leaf in request {
            try await response.write(leaf)
            try await response.write(leaf)
        }
    }
}

extension Lifelong_Testing_V1_Leaf {
    init(_ name: String, _ value: Int32 = 0) {
        self.init()
        self.name = name
        self.value = value
    }
}
