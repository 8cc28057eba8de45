// `import LifelongClient` gives a Swift program everything it needs to call a Lifelong service:
// the generated message types and client stubs, the RPC vocabulary and the HTTP/2 transport.
//
//     let transport = HTTP2ClientTransport(configuration: .init(host: "127.0.0.1", port: 7101))
//     let kb = Lifelong_V1_KnowledgeBase.Client(wrapping: RPCClient(transport: transport))
//     let versions = try await kb.listVersions(Lifelong_V1_ListVersionsRequest())

@_exported public import HTTP2Transport
@_exported public import LifelongProto
@_exported public import RPCCore
