import LifelongProto

/// Reads a V2 `ModelInferRequest` into samples: checks the input names, datatypes and shapes
/// (errors name the tensor and what it expects) and the batch size.
struct V2InferRequestReader {
    let request: Inference_ModelInferRequest
    let snapshot: LoadedSnapshot
    let maximumRows: Int

    /// The samples of the request, one per row of `features`.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT for unknown, missing or malformed tensors,
    ///   RESOURCE_EXHAUSTED for more rows than the limit.
    func samples() throws -> [EdgeSampleInput] {
        let index = snapshot.predictor
        guard request.rawInputContents.isEmpty || request.rawInputContents.count == request.inputs.count else {
            throw EdgeError.invalid(
                "raw_input_contents", "\(request.rawInputContents.count) entries for \(request.inputs.count) inputs; give one per input or none")
        }
        var features: V2InputTensor?
        var attributes: V2InputTensor?
        for (position, tensor) in request.inputs.enumerated() {
            let input = V2InputTensor(tensor: tensor, raw: request.rawInputContents.isEmpty ? nil : request.rawInputContents[position])
            switch tensor.name {
            case V2ModelSignature.features where features == nil: features = input
            case V2ModelSignature.attributes where attributes == nil && !index.attributeNames.isEmpty: attributes = input
            default:
                throw EdgeError.invalid(
                    "inputs[\(position)].name", "'\(tensor.name)' is not an input of the model, or is given twice (inputs: "
                        + "\(V2ModelSignature.features) \(V2InputTensor.expectation("FP32", [-1, Int64(index.encoding.featureCount)]))"
                        + (index.attributeNames.isEmpty ? ""
                            : ", \(V2ModelSignature.attributes) \(V2InputTensor.expectation("BYTES", [-1, Int64(index.attributeNames.count)]))")
                        + ")")
            }
        }
        guard let features else {
            throw EdgeError.invalid(
                "inputs", "missing input '\(V2ModelSignature.features)' (\(V2InputTensor.expectation("FP32", [-1, Int64(index.encoding.featureCount)])))")
        }
        let width = index.encoding.featureCount
        let rows = try features.checkMatrix(datatype: "FP32", columns: width)
        guard rows <= maximumRows else {
            throw EdgeError(.resourceExhausted, "input '\(V2ModelSignature.features)': \(rows) rows; the limit is \(maximumRows) per request")
        }
        let values = try features.float32Values(count: rows * width)
        var attributeValues: [String] = []
        let names = index.attributeNames
        if let attributes {
            guard try attributes.checkMatrix(datatype: "BYTES", columns: names.count) == rows else {
                throw EdgeError.invalid("input '\(V2ModelSignature.attributes)'", "has a different row count from '\(V2ModelSignature.features)' (\(rows))")
            }
            attributeValues = try attributes.stringValues(count: rows * names.count)
        }
        return (0..<rows).map { row in
            EdgeSampleInput(
                features: values[row * width..<(row + 1) * width].map(Double.init),
                attributes: attributeValues.isEmpty ? [] : names.enumerated().map { column, name in
                    var attribute = Lifelong_V1_AttributeValue()
                    attribute.name = name
                    attribute.value = attributeValues[row * names.count + column]
                    return attribute
                })
        }
    }
}
