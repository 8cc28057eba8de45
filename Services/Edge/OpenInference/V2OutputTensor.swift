import LifelongProto

/// One output tensor of a V2 reply: its metadata and its raw little-endian bytes (tritonclient
/// reads outputs from `raw_output_contents`).
struct V2OutputTensor {
    let name: String
    let datatype: String
    let shape: [Int64]
    let raw: [UInt8]

    /// FP32 values.
    static func float32(_ name: String, _ values: [Float], shape: [Int64]) -> V2OutputTensor {
        var raw: [UInt8] = []
        raw.reserveCapacity(values.count * 4)
        for value in values { raw += littleEndian(UInt64(value.bitPattern), bytes: 4) }
        return V2OutputTensor(name: name, datatype: "FP32", shape: shape, raw: raw)
    }

    /// INT64 values.
    static func int64(_ name: String, _ values: [Int64], shape: [Int64]) -> V2OutputTensor {
        V2OutputTensor(name: name, datatype: "INT64", shape: shape, raw: values.flatMap { littleEndian(UInt64(bitPattern: $0), bytes: 8) })
    }

    /// BOOL values (one byte each).
    static func bool(_ name: String, _ values: [Bool], shape: [Int64]) -> V2OutputTensor {
        V2OutputTensor(name: name, datatype: "BOOL", shape: shape, raw: values.map { $0 ? 1 : 0 })
    }

    /// BYTES values (UTF-8), each a 4-byte length then the bytes.
    static func strings(_ name: String, _ values: [String], shape: [Int64]) -> V2OutputTensor {
        var raw: [UInt8] = []
        for value in values {
            let bytes = Array(value.utf8)
            raw += littleEndian(UInt64(bytes.count), bytes: 4) + bytes
        }
        return V2OutputTensor(name: name, datatype: "BYTES", shape: shape, raw: raw)
    }

    private static func littleEndian(_ value: UInt64, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// The tensor's metadata in a reply.
    var message: Inference_ModelInferResponse.InferOutputTensor {
        var tensor = Inference_ModelInferResponse.InferOutputTensor()
        tensor.name = name
        tensor.datatype = datatype
        tensor.shape = shape
        return tensor
    }
}
