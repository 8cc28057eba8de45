import LifelongTestProto
import RPCCore
import ServiceAuth

/// `lifelong.testing.v1.ProbeService` acting for the node its request names, as the gateway's
/// edge calls do: Echo and Expand check ``Principal/requireNode(_:field:)`` for `name` and
/// answer with the principal's scope in `name`; Sum adds (a "write" the policy keeps from
/// readers); Twice is not used.
struct NodeProbeService: Lifelong_Testing_V1_ProbeService.SimpleServiceProtocol {
    /// Echo and Expand for every scope (the node check does the rest); the rest for service
    /// and admin tokens.
    static let policy = AccessPolicy.servicesOnly.allowing(
        [.reader, .edge, .service, .admin],
        methods: [Lifelong_Testing_V1_ProbeService.Method.Echo.descriptor, Lifelong_Testing_V1_ProbeService.Method.Expand.descriptor])

    func echo(request: Lifelong_Testing_V1_Leaf, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        try Principal.requireNode(request.name, field: "name")
        var reply = request
        reply.name = Principal.current?.description ?? "anonymous"
        return reply
    }

    func sum(request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        var total = Lifelong_Testing_V1_Leaf()
        for try await leaf in request { total.value += leaf.value }
        return total
    }

    func expand(
        request: Lifelong_Testing_V1_Leaf, response: RPCWriter<Lifelong_Testing_V1_Leaf>, context: ServerContext
    ) async throws {
        // Runs in the response producer: the principal must still be set there.
        try Principal.requireNode(request.name, field: "name")
        var reply = request
        reply.name = Principal.current?.description ?? "anonymous"
        try await response.write(reply)
    }

    func twice(
        request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, response: RPCWriter<Lifelong_Testing_V1_Leaf>,
        context: ServerContext
    ) async throws {
        throw RPCError(code: .unimplemented, message: "not used")
    }
}
