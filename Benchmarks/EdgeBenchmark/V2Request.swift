import LifelongProto

/// Open Inference Protocol (KServe V2) `ModelInfer` requests for the edge's model, pre-encoded
/// the way h2load sends them (`-d FILE`): one gRPC message (uncompressed flag, 4-byte
/// big-endian length, then the protobuf bytes).
enum V2Request {
    /// A request of `features` (input `features`, FP32 [n, F]) and `attributes` (input
    /// `attributes`, BYTES [n, A]), both in `raw_input_contents` as tritonclient sends them:
    /// little-endian FP32 values; each BYTES element a 4-byte little-endian length then its UTF-8
    /// bytes. No `outputs`: the edge answers every output of the model.
    static func modelInfer(model: String, features: [[Float]], attributes: [[String]]) -> Inference_ModelInferRequest {
        func input(_ name: String, _ datatype: String, _ rows: [[some Any]]) -> Inference_ModelInferRequest.InferInputTensor {
            var tensor = Inference_ModelInferRequest.InferInputTensor()
            tensor.name = name
            tensor.datatype = datatype
            tensor.shape = [Int64(rows.count), Int64(rows.first?.count ?? 0)]
            return tensor
        }
        var request = Inference_ModelInferRequest()
        request.modelName = model
        request.inputs = [input("features", "FP32", features), input("attributes", "BYTES", attributes)]
        request.rawInputContents = [
            features.joined().flatMap { littleEndian($0.bitPattern) },
            attributes.joined().flatMap { littleEndian(UInt32($0.utf8.count)) + Array($0.utf8) },
        ]
        return request
    }

    /// `request` as one gRPC message on the wire.
    /// - Throws: `ProtobufEncodingError` when a string holds a NUL character.
    static func grpcFramed(_ request: Inference_ModelInferRequest) throws -> [UInt8] {
        let message = try request.serializedBytes()
        return [0] + withUnsafeBytes(of: UInt32(message.count).bigEndian, Array.init) + message
    }

    private static func littleEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }
}
