import RPCCore
import Testing

/// A message that is its own bytes.
struct RawBytes: RPCMessage, Equatable {
    var bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(serializedBytes: [UInt8]) throws { bytes = serializedBytes }
    func serializedBytes() throws -> [UInt8] { bytes }
}

let echo = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Get")
let sleepy = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Sleep")
let metadataEcho = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Metadata")

func testRouter() -> RPCRouter {
    var router = RPCRouter()
    router.registerUnary(echo) { (request: RawBytes, _) in request }
    router.registerUnary(sleepy) { (request: RawBytes, _) -> RawBytes in
        try await Task.sleep(for: .seconds(60))
        return request
    }
    router.register(method: metadataEcho, kind: .unary) { request, _ in
        StreamingServerResponse(metadata: request.metadata) { writer in
            for try await message in request.messages { try await writer.write(message) }
            var trailers = Metadata()
            trailers.addBinary([0xAB, 0xCD], forKey: "trailer-bin")
            return trailers
        }
    }
    return router
}

/// A failure of some store, for the service-error test.
struct StoreFailure: Error {}
/// A service's error type, for the service-error test.
typealias ShopError = ServiceError<ShopErrorMapping>
/// Its mapping: its own errors as they are, anything else INTERNAL.
enum ShopErrorMapping: ServiceErrorMapping {
    static func classify(_ error: any Error) -> ShopError {
        error as? ShopError ?? ShopError(.internalError, "the store failed", cause: error)
    }
}

@Suite("RPCCore")
struct RPCCoreTests {
    @Test("status codes print their gRPC names; unknown codes keep their number")
    func codeNames() {
        #expect(RPCError.Code.invalidArgument.description == "INVALID_ARGUMENT")
        #expect(RPCError.Code(rawValue: 42).description == "CODE(42)")
        #expect(RPCError.Code.dataLoss.rawValue == 15)
    }

    @Test("metadata keys are case-insensitive and keep order and kind")
    func metadata() {
        var metadata: Metadata = ["X-One": .string("a")]
        metadata.addString("b", forKey: "x-one")
        metadata.addBinary([1, 2], forKey: "blob-bin")
        #expect(metadata[stringValues: "X-ONE"] == ["a", "b"])
        #expect(metadata[binaryValues: "blob-bin"] == [[1, 2]])
        #expect(metadata.count == 3)
        metadata.removeAll(forKey: "x-one")
        #expect(metadata.map(\.key) == ["blob-bin"])
    }

    @Test("errors map to statuses: RPCError as is, convertible errors converted, cancellation, unknown")
    func errorMapping() {
        struct Domain: RPCErrorConvertible {
            var rpcError: RPCError { RPCError(code: .notFound, message: "task x") }
        }
        struct Other: Error {}
        #expect(RPCError(mapping: RPCError(code: .aborted, message: "m")).code == .aborted)
        #expect(RPCError(mapping: Domain()).code == .notFound)
        #expect(RPCError(mapping: CancellationError()).code == .cancelled)
        #expect(RPCError(mapping: Other()).code == .unknown)
    }

    @Test("a service error names its field, reaches the client as its status and message, and keeps its cause for the log")
    func serviceErrors() throws {
        let invalid = ShopError.invalid("samples[3].features", "expected 6 values, got 5")
        #expect(invalid.code == .invalidArgument)
        #expect(invalid.message == "samples[3].features: expected 6 values, got 5")
        #expect(invalid.description == "INVALID_ARGUMENT: samples[3].features: expected 6 values, got 5")
        #expect(RPCError(mapping: invalid).code == .invalidArgument)
        #expect(RPCError(mapping: invalid).message == invalid.message)
        #expect(invalid.rpcError.cause is ShopError)

        let failure = ShopError.rpcError(for: StoreFailure())
        #expect(failure.code == .internalError)
        #expect(failure.message == "the store failed")
        #expect(failure.cause is StoreFailure)
        // By default a status from the transport or another service goes on as it came.
        let passed = ShopError.rpcError(for: RPCError(code: .unavailable, message: "kb down", metadata: ["retry-after": .string("1")]))
        #expect(passed.code == .unavailable)
        #expect(passed.metadata[stringValues: "retry-after"] == ["1"])
    }

    @Test("method paths are /package.Service/Method")
    func paths() {
        #expect(echo.path == "/test.Echo/Get")
        #expect(testRouter().serviceNames == ["test.Echo"])
        #expect(testRouter().route(forPath: "/test.Echo/Nope") == nil)
    }

    @Test("in-process unary call through the typed client")
    func unaryCall() async throws {
        let client = RPCClient(transport: InProcessTransport(router: testRouter()))
        let response: ClientResponse<RawBytes> = try await client.unary(
            request: ClientRequest(message: RawBytes([1, 2, 3])), method: echo)
        #expect(response.message == RawBytes([1, 2, 3]))
    }

    @Test("an unknown method fails with UNIMPLEMENTED")
    func unknownMethod() async throws {
        let client = RPCClient(transport: InProcessTransport(router: testRouter()))
        let error = await #expect(throws: RPCError.self) {
            let _: ClientResponse<RawBytes> = try await client.unary(
                request: ClientRequest(message: RawBytes([])),
                method: MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Nope"))
        }
        #expect(error?.code == .unimplemented)
    }

    @Test("a timeout cancels the handler and fails with DEADLINE_EXCEEDED")
    func deadline() async throws {
        let client = RPCClient(transport: InProcessTransport(router: testRouter()))
        let error = await #expect(throws: RPCError.self) {
            let _: ClientResponse<RawBytes> = try await client.unary(
                request: ClientRequest(message: RawBytes([])), method: sleepy,
                options: CallOptions(timeout: .milliseconds(50)))
        }
        #expect(error?.code == .deadlineExceeded)
    }

    @Test("initial and trailing metadata travel with the call")
    func metadataTravels() async throws {
        let client = RPCClient(transport: InProcessTransport(router: testRouter()))
        let response: ClientResponse<RawBytes> = try await client.unary(
            request: ClientRequest(message: RawBytes([9]), metadata: ["who": .string("me")]), method: metadataEcho)
        #expect(response.metadata[stringValues: "who"] == ["me"])
        #expect(response.trailingMetadata[binaryValues: "trailer-bin"] == [[0xAB, 0xCD]])
    }
}
