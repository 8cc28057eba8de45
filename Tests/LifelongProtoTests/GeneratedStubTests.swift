import LifelongProto
import LifelongTestProto
import RPCCore
import Testing

/// The probe service implemented through its generated server protocol.
struct ProbeServer: Lifelong_Testing_V1_ProbeService.SimpleServiceProtocol {
    func echo(request: Leaf, context: ServerContext) async throws -> Leaf {
        guard !request.name.isEmpty else {
            throw RPCError(code: .invalidArgument, message: "name must not be empty")
        }
        return request
    }

    func sum(request: RPCAsyncSequence<Leaf>, context: ServerContext) async throws -> Leaf {
        var total = Leaf()
        total.name = "sum"
        for try await leaf in request { total.value += leaf.value }
        return total
    }

    func expand(request: Leaf, response: RPCWriter<Leaf>, context: ServerContext) async throws {
        for index in 0..<request.value {
            try await response.write(make { $0.name = "\(request.name)-\(index)"; $0.value = index })
        }
    }

    func twice(request: RPCAsyncSequence<Leaf>, response: RPCWriter<Leaf>, context: ServerContext) async throws {
        for try await leaf in request {
            try await response.write(make { $0.name = leaf.name; $0.value = leaf.value * 2 })
        }
    }
}

@Suite("Generated client stubs and server protocols")
struct GeneratedStubTests {
    let client = Lifelong_Testing_V1_ProbeService.Client(
        wrapping: RPCClient(transport: InProcessTransport(services: [ProbeServer()])))

    @Test("descriptors name the service and methods as gRPC paths")
    func descriptors() {
        typealias Service = Lifelong_Testing_V1_ProbeService
        #expect(Service.Method.Echo.descriptor.path == "/lifelong.testing.v1.ProbeService/Echo")
        #expect(Service.Method.Sum.kind == .clientStreaming)
        #expect(Service.Method.Expand.kind == .serverStreaming)
        #expect(Service.Method.Twice.kind == .bidirectionalStreaming)
        #expect(Service.Method.descriptors.count == 4)
        #expect(Lifelong_V1_KnowledgeBase.Method.PutModel.descriptor.path == "/lifelong.v1.KnowledgeBase/PutModel")
    }

    @Test("unary")
    func unary() async throws {
        let reply = try await client.echo(make { $0.name = "hi"; $0.value = 3 })
        #expect(reply.name == "hi" && reply.value == 3)
    }

    @Test("a handler's RPCError reaches the client with its code and message")
    func errorStatus() async throws {
        let error = await #expect(throws: RPCError.self) { try await client.echo(Leaf()) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message == "name must not be empty")
    }

    @Test("client streaming")
    func clientStreaming() async throws {
        let reply = try await client.sum { writer in
            for value in 1...10 { try await writer.write(make { $0.value = Int32(value) }) }
        }
        #expect(reply.value == 55)
    }

    @Test("server streaming")
    func serverStreaming() async throws {
        let names = try await client.expand(make { $0.name = "n"; $0.value = 4 }) { response in
            var names: [String] = []
            for try await leaf in response.messages { names.append(leaf.name) }
            return names
        }
        #expect(names == ["n-0", "n-1", "n-2", "n-3"])
    }

    @Test("bidirectional streaming")
    func bidirectional() async throws {
        let values = try await client.twice(requestProducer: { writer in
            for value in [1, 2, 3] { try await writer.write(make { $0.value = Int32(value) }) }
        }, onResponse: { response in
            var values: [Int32] = []
            for try await leaf in response.messages { values.append(leaf.value) }
            return values
        })
        #expect(values == [2, 4, 6])
    }

    @Test("a unary method given two request messages fails with UNIMPLEMENTED")
    func unaryWithTwoMessages() async throws {
        let transport = InProcessTransport(services: [ProbeServer()])
        let bytes = try make { (leaf: inout Leaf) in leaf.name = "x" }.serializedBytes()
        let request = StreamingClientRequest<[UInt8]> { writer in
            try await writer.write(bytes)
            try await writer.write(bytes)
        }
        let error = await #expect(throws: RPCError.self) {
            try await transport.call(
                request: request, method: Lifelong_Testing_V1_ProbeService.Method.Echo.descriptor, options: .defaults
            ) { response in
                for try await _ in response.bodyParts {}
            }
        }
        #expect(error?.code == .unimplemented)
    }

    @Test("malformed request bytes fail with INTERNAL")
    func malformedRequest() async throws {
        let transport = InProcessTransport(services: [ProbeServer()])
        let request = StreamingClientRequest<[UInt8]> { try await $0.write([0x0A, 0x09]) }
        let error = await #expect(throws: RPCError.self) {
            try await transport.call(
                request: request, method: Lifelong_Testing_V1_ProbeService.Method.Echo.descriptor, options: .defaults
            ) { response in
                for try await _ in response.bodyParts {}
            }
        }
        #expect(error?.code == .internalError)
    }

    @Test("the embedded descriptor set names every contract file")
    func descriptorSet() throws {
        let names = LifelongDescriptorSet.fileNames
        #expect(names.contains("lifelong/v1/knowledge_base.proto"))
        #expect(names.contains("grpc/health/v1/health.proto"))
        let decoded = try #require(decodeBase64(LifelongDescriptorSet.base64))
        for name in names {
            #expect(decoded.contains(Array(name.utf8)), "missing \(name)")
        }
    }

    private func decodeBase64(_ text: String) -> [UInt8]? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var table = [UInt8: UInt32]()
        for (index, character) in alphabet.enumerated() { table[character] = UInt32(index) }
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.utf8 where table[character] != nil {
            buffer = (buffer << 6) | table[character]!
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }
}

extension Array where Element == UInt8 {
    /// Whether the bytes contain `needle` as a contiguous run.
    func contains(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
