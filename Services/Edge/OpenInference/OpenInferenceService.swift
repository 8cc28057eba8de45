public import LifelongProto
public import RPCCore

/// The Open Inference Protocol (KServe V2, `inference.GRPCInferenceService`) on the edge's
/// port, so Triton, KServe and MLServer clients call the node unchanged. Predictions go
/// through the same ``EdgeInferenceEngine`` as `EdgeInference.Infer` (unseen samples are
/// buffered the same way). Tensors: ``V2ModelSignature``.
public struct OpenInferenceService: Inference_GRPCInferenceService.SimpleServiceProtocol {
    let engine: EdgeInferenceEngine
    let modelName: String
    /// The server's name and version in ServerMetadata.
    static let serverName = "lifelong-edge"
    static let serverVersion = "1"

    /// Creates the service.
    /// - Parameters:
    ///   - engine: The inference engine.
    ///   - modelName: The one model's name (the job's task index).
    public init(engine: EdgeInferenceEngine, modelName: String) {
        self.engine = engine
        self.modelName = modelName
    }

    public func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws -> Inference_ServerLiveResponse {
        var response = Inference_ServerLiveResponse()
        response.live = true
        return response
    }

    public func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws -> Inference_ServerReadyResponse {
        var response = Inference_ServerReadyResponse()
        response.ready = engine.slot.current != nil
        return response
    }

    public func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws -> Inference_ModelReadyResponse {
        var response = Inference_ModelReadyResponse()
        response.ready = (try? snapshot(name: request.name, version: request.version)) != nil
        return response
    }

    public func serverMetadata(
        request: Inference_ServerMetadataRequest, context: ServerContext
    ) async throws -> Inference_ServerMetadataResponse {
        var response = Inference_ServerMetadataResponse()
        response.name = Self.serverName
        response.version = Self.serverVersion
        return response
    }

    public func modelMetadata(
        request: Inference_ModelMetadataRequest, context: ServerContext
    ) async throws -> Inference_ModelMetadataResponse {
        V2ModelSignature.metadata(name: modelName, snapshot: try snapshot(name: request.name, version: request.version))
    }

    public func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws -> Inference_ModelInferResponse {
        let snapshot = try snapshot(name: request.modelName, version: request.modelVersion)
        let inputs = try V2InferRequestReader(request: request, snapshot: snapshot, maximumRows: engine.configuration.limits.maximumBatchSamples)
            .samples()
        let answer = try await engine.infer(inputs, on: snapshot) { row, part in "input '\(V2ModelSignature.features)' row \(row): \(part)" }
        let tensors = V2ModelSignature.outputs(of: answer)
        let wanted = request.outputs.isEmpty ? V2ModelSignature.outputs : request.outputs.map(\.name)
        var response = Inference_ModelInferResponse()
        response.modelName = modelName
        response.modelVersion = "\(snapshot.version)"
        response.id = request.id
        for (position, name) in wanted.enumerated() {
            guard let tensor = tensors[name] else {
                throw EdgeError.invalid(
                    "outputs[\(position)].name", "'\(name)' is not an output of the model (\(V2ModelSignature.outputs.joined(separator: ", ")))")
            }
            response.outputs.append(tensor.message)
            response.rawOutputContents.append(tensor.raw)
        }
        return response
    }

    /// The snapshot serving model `name` at `version` (empty = the current one).
    /// - Throws: ``EdgeError`` NOT_FOUND for another model or version, UNAVAILABLE before any sync.
    private func snapshot(name: String, version: String) throws -> LoadedSnapshot {
        guard name == modelName else { throw EdgeError(.notFound, "model_name: no model '\(name)'; this node serves '\(modelName)'") }
        let snapshot = try engine.currentSnapshot()
        guard version.isEmpty || version == "\(snapshot.version)" else {
            throw EdgeError(.notFound, "model_version: '\(modelName)' is served at version \(snapshot.version), not '\(version)'")
        }
        return snapshot
    }
}
