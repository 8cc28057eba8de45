public import LifelongProto
public import RPCCore

/// `grpc.reflection.v1.ServerReflection`: lists the hosted services and serves the
/// `FileDescriptorProto`s of the embedded descriptor sets by file name or by symbol, so
/// grpcurl and grpcio clients work without the .proto files.
public struct ReflectionService: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    private let index: FileDescriptorIndex
    private let serviceNames: [String]

    /// Creates the service.
    /// - Parameters:
    ///   - serviceNames: The services the server hosts, as listed to clients.
    ///   - descriptorSets: Base64-encoded `FileDescriptorSet`s; by default the contract's.
    /// - Throws: When a descriptor set cannot be decoded.
    public init(serviceNames: [String], descriptorSets: [String] = [LifelongDescriptorSet.base64]) throws {
        self.index = try FileDescriptorIndex(base64Sets: descriptorSets)
        var names = Set(serviceNames)
        names.insert(Grpc_Reflection_V1_ServerReflection.descriptor.fullyQualifiedService)
        self.serviceNames = names.sorted()
    }

    public func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest>,
        response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await message in request {
            try await response.write(answer(message))
        }
    }

    /// The answer to one reflection request.
    func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        switch request.messageRequest {
        case .listServices?:
            var list = Grpc_Reflection_V1_ListServiceResponse()
            list.service = serviceNames.map {
                var service = Grpc_Reflection_V1_ServiceResponse()
                service.name = $0
                return service
            }
            response.messageResponse = .listServicesResponse(list)
        case .fileByFilename(let name)?:
            response.messageResponse = files(index.fileWithDependencies(name), missing: "file '\(name)' not found")
        case .fileContainingSymbol(let symbol)?:
            let files = index.fileBySymbol[symbol].map { index.fileWithDependencies($0) } ?? []
            response.messageResponse = self.files(files, missing: "symbol '\(symbol)' not found")
        case .fileContainingExtension?, .allExtensionNumbersOfType?:
            response.messageResponse = error(.unimplemented, "extensions are not supported (proto3 contract)")
        case nil:
            response.messageResponse = error(.invalidArgument, "message_request is not set")
        }
        return response
    }

    private func files(
        _ files: [FileDescriptorIndex.File], missing: String
    ) -> Grpc_Reflection_V1_ServerReflectionResponse.MessageResponse {
        guard !files.isEmpty else { return error(.notFound, missing) }
        var descriptors = Grpc_Reflection_V1_FileDescriptorResponse()
        descriptors.fileDescriptorProto = files.map(\.bytes)
        return .fileDescriptorResponse(descriptors)
    }

    private func error(_ code: RPCError.Code, _ message: String) -> Grpc_Reflection_V1_ServerReflectionResponse.MessageResponse {
        var error = Grpc_Reflection_V1_ErrorResponse()
        error.errorCode = Int32(code.rawValue)
        error.errorMessage = message
        return .errorResponse(error)
    }
}
