import LifelongProto

/// How a snapshot looks as an Open Inference Protocol model: the job's task index is one
/// model whose version is the snapshot version.
///
/// | tensor | datatype | shape | holds |
/// |---|---|---|---|
/// | input `features` | FP32 | [-1, features] | feature values in schema order (NaN = missing; categories as codes) |
/// | input `attributes` (optional; only when the schema has attributes) | BYTES | [-1, attributes] | attribute values in schema order |
/// | output `probabilities` | FP32 | [-1, classes] | class probabilities |
/// | output `class` | INT64 | [-1] | the most probable class index |
/// | output `task` | BYTES | [-1] | the task allocated ("" = none) |
/// | output `unseen` | BOOL | [-1] | flagged as belonging to no known task |
/// | output `unseen_detectors` | BYTES | [-1] | the detectors that fired, comma-separated |
/// | output `allocation_confidence` | FP32 | [-1] | fit to the allocated task, in [0, 1] |
enum V2ModelSignature {
    static let features = "features"
    static let attributes = "attributes"
    static let outputs = ["probabilities", "class", "task", "unseen", "unseen_detectors", "allocation_confidence"]

    /// The model's metadata.
    static func metadata(name: String, snapshot: LoadedSnapshot) -> Inference_ModelMetadataResponse {
        func tensor(_ name: String, _ datatype: String, _ shape: [Int64]) -> Inference_ModelMetadataResponse.TensorMetadata {
            var tensor = Inference_ModelMetadataResponse.TensorMetadata()
            tensor.name = name
            tensor.datatype = datatype
            tensor.shape = shape
            return tensor
        }
        var response = Inference_ModelMetadataResponse()
        response.name = name
        response.versions = ["\(snapshot.version)"]
        response.platform = "lifelong_task_index"
        let index = snapshot.predictor
        response.inputs = [tensor(features, "FP32", [-1, Int64(index.encoding.featureCount)])]
        if !index.attributeNames.isEmpty {
            response.inputs.append(tensor(attributes, "BYTES", [-1, Int64(index.attributeNames.count)]))
        }
        response.outputs = [
            tensor("probabilities", "FP32", [-1, Int64(index.outputCount)]), tensor("class", "INT64", [-1]),
            tensor("task", "BYTES", [-1]), tensor("unseen", "BOOL", [-1]), tensor("unseen_detectors", "BYTES", [-1]),
            tensor("allocation_confidence", "FP32", [-1]),
        ]
        return response
    }

    /// The output tensors of an answered batch, by name.
    static func outputs(of answer: EdgeInferenceEngine.Answer) -> [String: V2OutputTensor] {
        let rows = Int64(answer.predictions.count)
        let classes = Int64(answer.classes)
        let predictions = answer.predictions
        let tensors: [V2OutputTensor] = [
            .float32("probabilities", answer.probabilities, shape: [rows, classes]),
            .int64("class", predictions.map { Int64($0.predictedClass) }, shape: [rows]),
            .strings("task", predictions.indices.map { answer.taskName(of: $0) ?? "" }, shape: [rows]),
            .bool("unseen", predictions.map(\.unseen), shape: [rows]),
            .strings("unseen_detectors", predictions.map(\.flaggedNames), shape: [rows]),
            .float32("allocation_confidence", predictions.map { Float($0.allocationConfidence) }, shape: [rows]),
        ]
        return Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
    }
}
