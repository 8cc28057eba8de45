// `import LifelongClient` gives a Swift program everything it needs to call a Lifelong service:
// the generated message types and client stubs, the RPC vocabulary, the HTTP/2 transport and
// the bearer token every call carries.
//
//     let transport = HTTP2ClientTransport(configuration: .init(host: "127.0.0.1", port: 7101))
//     let token = try BearerToken(contentsOfFile: "tokens/admin.token")
//     let kb = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport.authenticated(with: token)))
//     let versions = try await kb.listVersions(Lifelong_V1_ListVersionsRequest())

@_exported public import HTTP2Transport
@_exported public import LifelongProto
@_exported public import RPCCore
@_exported public import ServiceAuth
