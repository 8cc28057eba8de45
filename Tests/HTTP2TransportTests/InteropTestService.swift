import LifelongTestProto
import RPCCore

/// The interop TestService as grpc/grpc's interop cases expect it to behave.
struct InteropTestService: Lifelong_Interop_V1_TestService.SimpleServiceProtocol {
    typealias Service = Lifelong_Interop_V1_TestService

    func emptyCall(request: Lifelong_Interop_V1_Empty, context: ServerContext) async throws -> Lifelong_Interop_V1_Empty {
        Lifelong_Interop_V1_Empty()
    }

    func unaryCall(request: Lifelong_Interop_V1_SimpleRequest, context: ServerContext) async throws -> Lifelong_Interop_V1_SimpleResponse {
        try Self.checkCompressed(request.expectCompressed, context: context)
        try Self.check(request.responseStatus)
        Self.compressResponses(request.responseCompressed, context: context)
        var response = Lifelong_Interop_V1_SimpleResponse()
        response.payload = Self.payload(Int(request.responseSize))
        return response
    }

    func streamingOutputCall(
        request: Lifelong_Interop_V1_StreamingOutputCallRequest,
        response: RPCWriter<Lifelong_Interop_V1_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        try await Self.answer(request, writer: response, context: context)
    }

    func streamingInputCall(
        request: RPCAsyncSequence<Lifelong_Interop_V1_StreamingInputCallRequest>, context: ServerContext
    ) async throws -> Lifelong_Interop_V1_StreamingInputCallResponse {
        var total = 0
        for try await message in request {
            try Self.checkCompressed(message.expectCompressed, context: context)
            total += message.payload?.body.count ?? 0
        }
        var response = Lifelong_Interop_V1_StreamingInputCallResponse()
        response.aggregatedPayloadSize = Int32(total)
        return response
    }

    func fullDuplexCall(
        request: RPCAsyncSequence<Lifelong_Interop_V1_StreamingOutputCallRequest>,
        response: RPCWriter<Lifelong_Interop_V1_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        for try await message in request { try await Self.answer(message, writer: response, context: context) }
    }

    func halfDuplexCall(
        request: RPCAsyncSequence<Lifelong_Interop_V1_StreamingOutputCallRequest>,
        response: RPCWriter<Lifelong_Interop_V1_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        var all: [Lifelong_Interop_V1_StreamingOutputCallRequest] = []
        for try await message in request { all.append(message) }
        for message in all { try await Self.answer(message, writer: response, context: context) }
    }

    func unimplementedCall(request: Lifelong_Interop_V1_Empty, context: ServerContext) async throws -> Lifelong_Interop_V1_Empty {
        throw RPCError(code: .unimplemented, message: "UnimplementedCall is not implemented")
    }

    private static func answer(
        _ request: Lifelong_Interop_V1_StreamingOutputCallRequest,
        writer: RPCWriter<Lifelong_Interop_V1_StreamingOutputCallResponse>, context: ServerContext
    ) async throws {
        try check(request.responseStatus)
        for parameters in request.responseParameters {
            if parameters.intervalUs > 0 { try await Task.sleep(for: .microseconds(parameters.intervalUs)) }
            compressResponses(parameters.compressed, context: context)
            var response = Lifelong_Interop_V1_StreamingOutputCallResponse()
            response.payload = payload(Int(parameters.size))
            try await writer.write(response)
        }
    }

    private static func check(_ status: Lifelong_Interop_V1_EchoStatus?) throws {
        guard let status, status.code != 0 else { return }
        throw RPCError(code: RPCError.Code(rawValue: Int(status.code)), message: status.message)
    }

    /// `expect_compressed`: a message that should have arrived compressed but did not is
    /// INVALID_ARGUMENT (the interop client's probe of whether the server can tell).
    private static func checkCompressed(_ expected: Lifelong_Interop_V1_BoolValue?, context: ServerContext) throws {
        guard expected?.value == true, !context.compression.lastRequestMessageWasCompressed else { return }
        throw RPCError(code: .invalidArgument, message: "the request message was expected to be compressed")
    }

    /// `response_compressed` / `compressed`: when set, whether the next responses are compressed
    /// (gzip; sent uncompressed to a client that does not accept it).
    private static func compressResponses(_ compressed: Lifelong_Interop_V1_BoolValue?, context: ServerContext) {
        guard let compressed else { return }
        context.compression.responseCompression = compressed.value ? .gzip : nil
    }

    private static func payload(_ size: Int) -> Lifelong_Interop_V1_Payload {
        var payload = Lifelong_Interop_V1_Payload()
        payload.body = [UInt8](repeating: 0, count: size)
        return payload
    }
}

/// Hosts a service with the interop cases' metadata echo (`x-grpc-test-echo-initial` into the
/// response headers, `x-grpc-test-echo-trailing-bin` into the trailers), leaving out the
/// methods that must stay unimplemented.
struct MetadataEchoingService<Base: RegistrableRPCService>: RegistrableRPCService {
    let base: Base
    let excluded: Set<MethodDescriptor>

    func registerMethods(with router: inout RPCRouter) {
        var inner = RPCRouter()
        base.registerMethods(with: &inner)
        for method in inner.methods where !excluded.contains(method) {
            guard let route = inner.route(forPath: method.path) else { continue }
            let handler = route.handler
            router.register(method: method, kind: route.kind) { request, context in
                var response = try await handler(request, context)
                for value in request.metadata[stringValues: "x-grpc-test-echo-initial"] {
                    response.metadata.addString(value, forKey: "x-grpc-test-echo-initial")
                }
                let trailing = request.metadata[binaryValues: "x-grpc-test-echo-trailing-bin"]
                let producer = response.producer
                response.producer = { writer in
                    var trailers = try await producer(writer)
                    for value in trailing { trailers.addBinary(value, forKey: "x-grpc-test-echo-trailing-bin") }
                    return trailers
                }
                return response
            }
        }
    }
}
