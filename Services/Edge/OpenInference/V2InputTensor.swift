import LifelongProto

/// One input tensor of a V2 `ModelInferRequest` with its values read from `contents` or
/// from the matching `raw_input_contents` entry (little-endian; BYTES elements as a 4-byte
/// length then the bytes, as the protocol defines).
struct V2InputTensor {
    let tensor: Inference_ModelInferRequest.InferInputTensor
    let raw: [UInt8]?

    /// The expected form of a tensor, for error messages: `datatype FP32 and shape [-1, 6]`.
    static func expectation(_ datatype: String, _ shape: [Int64]) -> String {
        "datatype \(datatype) and shape [\(shape.map(String.init).joined(separator: ", "))]"
    }

    /// Checks the tensor's datatype and shape against `datatype` and [rows, `columns`].
    /// - Returns: The number of rows.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT naming the tensor and what it expects.
    func checkMatrix(datatype: String, columns: Int) throws -> Int {
        let expected = Self.expectation(datatype, [-1, Int64(columns)])
        let got = Self.expectation(tensor.datatype, tensor.shape)
        guard tensor.datatype == datatype, tensor.shape.count == 2, tensor.shape[1] == Int64(columns), tensor.shape[0] >= 1 else {
            throw EdgeError.invalid("input '\(tensor.name)'", "expects \(expected), got \(got)")
        }
        return Int(tensor.shape[0])
    }

    /// The FP32 values, row-major.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT when their count does not fit `count`.
    func float32Values(count: Int) throws -> [Float] {
        let values: [Float]
        if let raw {
            guard raw.count == count * 4 else { throw sizeMismatch(count, got: raw.count / 4) }
            values = raw.withUnsafeBytes { bytes in
                (0..<count).map { index in
                    Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
                }
            }
        } else {
            values = tensor.contents?.fp32Contents ?? []
        }
        guard values.count == count else { throw sizeMismatch(count, got: values.count) }
        return values
    }

    /// The BYTES elements as UTF-8 strings, row-major.
    /// - Throws: ``EdgeError`` INVALID_ARGUMENT for a wrong count, malformed raw data or invalid UTF-8.
    func stringValues(count: Int) throws -> [String] {
        var elements: [[UInt8]] = []
        if let raw {
            var offset = 0
            while offset < raw.count {
                guard offset + 4 <= raw.count else { throw EdgeError.invalid("input '\(tensor.name)'", "truncated BYTES element length") }
                let length = Int(UInt32(raw[offset]) | UInt32(raw[offset + 1]) << 8 | UInt32(raw[offset + 2]) << 16 | UInt32(raw[offset + 3]) << 24)
                offset += 4
                guard length <= raw.count - offset else { throw EdgeError.invalid("input '\(tensor.name)'", "truncated BYTES element") }
                elements.append(Array(raw[offset..<offset + length]))
                offset += length
            }
        } else {
            elements = tensor.contents?.bytesContents ?? []
        }
        guard elements.count == count else { throw sizeMismatch(count, got: elements.count) }
        return try elements.enumerated().map { position, bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw EdgeError.invalid("input '\(tensor.name)'", "element \(position) is not UTF-8")
            }
            return text
        }
    }

    private func sizeMismatch(_ expected: Int, got: Int) -> EdgeError {
        EdgeError.invalid("input '\(tensor.name)'", "shape [\(tensor.shape.map(String.init).joined(separator: ", "))] needs \(expected) values, got \(got)")
    }
}
