import LifelongProto
import LifelongTestProto
import ProtobufCRuntime
import RPCCore
import Testing

typealias Probe = Lifelong_Testing_V1_Probe
typealias Leaf = Lifelong_Testing_V1_Leaf
typealias Chain = Lifelong_Testing_V1_Chain

/// Decodes and returns the error code, or nil when the bytes decoded.
func decodingErrorCode<Message: ProtobufMessage>(
    _ type: Message.Type, _ bytes: [UInt8], limits: DecodingLimits = .default
) -> ProtobufDecodingError.Code? {
    do {
        _ = try Message(serializedBytes: bytes, limits: limits)
        return nil
    } catch let error as ProtobufDecodingError {
        return error.code
    } catch {
        Issue.record("unexpected error type \(error)")
        return nil
    }
}

/// `Chain` messages nested `depth` levels below the top-level one.
func nestedChain(depth: Int) -> [UInt8] {
    var bytes: [UInt8] = [0x10, 0x01]  // depth = 1 in the innermost
    for _ in 0..<depth {
        var length: [UInt8] = []
        var remaining = bytes.count
        repeat {
            let low = UInt8(remaining & 0x7F)
            remaining >>= 7
            length.append(remaining > 0 ? low | 0x80 : low)
        } while remaining > 0
        bytes = [0x0A] + length + bytes
    }
    return bytes
}

@Suite("Malformed input: typed errors, never a crash")
struct MalformedInputTests {
    @Test("a tag with nothing after it is truncated")
    func truncatedValue() {
        #expect(decodingErrorCode(Leaf.self, [0x10]) == .truncated)
        #expect(decodingErrorCode(Leaf.self, [0x10, 0x80]) == .truncated)
        #expect(decodingErrorCode(Probe.self, [0x3D, 0x00, 0x00]) == .truncated)  // fixed32 field 7, 2 of 4 bytes
    }

    @Test("every strict prefix of a valid encoding decodes or fails with a typed error")
    func everyPrefix() throws {
        let bytes = try GoldenCases.probeScalars.serializedBytes()
        var failures = 0
        for cut in 0..<bytes.count {
            if decodingErrorCode(Probe.self, Array(bytes[..<cut])) != nil { failures += 1 }
        }
        #expect(failures > bytes.count / 2)
    }

    @Test("a field with the wrong wire type is rejected, naming the field")
    func wrongWireType() throws {
        // Leaf.name (string, field 1) sent as a varint.
        #expect(decodingErrorCode(Leaf.self, [0x08, 0x01]) == .invalidWireType)
        // Leaf.value (int32, field 2) sent as fixed32.
        #expect(decodingErrorCode(Leaf.self, [0x15, 0, 0, 0, 0]) == .invalidWireType)
        // Wire types 6 and 7 do not exist; 3 and 4 are groups.
        #expect(decodingErrorCode(Leaf.self, [0x0E]) == .invalidWireType)
        #expect(decodingErrorCode(Leaf.self, [0x0B, 0x0C]) == .invalidWireType)
        do {
            _ = try Leaf(serializedBytes: [0x08, 0x01])
        } catch let error as ProtobufDecodingError {
            #expect(error.message.contains("lifelong.testing.v1.Leaf.name"))
        }
    }

    @Test("a length beyond the buffer is rejected")
    func lengthBeyondBuffer() {
        #expect(decodingErrorCode(Leaf.self, [0x0A, 0x05, 0x61]) == .lengthOutOfBounds)
        #expect(decodingErrorCode(Leaf.self, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) == .lengthOutOfBounds)
        // Inside a nested message.
        #expect(decodingErrorCode(Probe.self, [0x8A, 0x01, 0x02, 0x0A, 0x09]) == .lengthOutOfBounds)
    }

    @Test("nesting deeper than the limit is rejected before protobuf-c recurses")
    func depthLimit() {
        #expect(decodingErrorCode(Chain.self, nestedChain(depth: 100)) == nil)
        #expect(decodingErrorCode(Chain.self, nestedChain(depth: 101)) == .tooDeep)
        #expect(decodingErrorCode(Chain.self, nestedChain(depth: 100_000)) == .tooDeep)
        let tight = DecodingLimits(maxDepth: 3)
        #expect(decodingErrorCode(Chain.self, nestedChain(depth: 3), limits: tight) == nil)
        #expect(decodingErrorCode(Chain.self, nestedChain(depth: 4), limits: tight) == .tooDeep)
    }

    @Test("a decoded deep chain keeps every level")
    func deepChainValue() throws {
        var chain = try Chain(serializedBytes: nestedChain(depth: 50))
        var levels = 0
        while let next = chain.next {
            levels += 1
            chain = next
        }
        #expect(levels == 50)
        #expect(chain.depth == 1)
    }

    @Test("input over the size limit is rejected")
    func sizeLimit() throws {
        let bytes = try make { (leaf: inout Leaf) in leaf.name = String(repeating: "x", count: 100) }.serializedBytes()
        #expect(decodingErrorCode(Leaf.self, bytes, limits: DecodingLimits(maxMessageBytes: 101)) == .tooLarge)
        #expect(decodingErrorCode(Leaf.self, bytes, limits: DecodingLimits(maxMessageBytes: 102)) == nil)
    }

    @Test("unknown fields of every wire type are skipped")
    func unknownFieldsSkipped() throws {
        let leaf: Leaf = make { $0.name = "kept"; $0.value = 5 }
        var bytes = try leaf.serializedBytes()
        bytes += [0x98, 0x06, 0x96, 0x01]  // field 99 varint 150
        bytes += [0xA2, 0x06, 0x03, 0x01, 0x02, 0x03]  // field 100 length-delimited
        bytes += [0xAD, 0x06, 1, 2, 3, 4]  // field 101 fixed32
        bytes += [0xB1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8]  // field 102 fixed64
        #expect(try Leaf(serializedBytes: bytes) == leaf)
    }

    @Test("strings must be valid UTF-8 without NUL")
    func invalidStrings() {
        #expect(decodingErrorCode(Leaf.self, [0x0A, 0x02, 0xC3, 0x28]) == .invalidUTF8)
        #expect(decodingErrorCode(Leaf.self, [0x0A, 0x03, 0xF0, 0x9F, 0x98]) == .invalidUTF8)
        #expect(decodingErrorCode(Leaf.self, [0x0A, 0x03, 0x61, 0x00, 0x62]) == .invalidUTF8)
        #expect(throws: ProtobufEncodingError.self) {
            try make { (leaf: inout Leaf) in leaf.name = "a\u{0}b" }.serializedBytes()
        }
    }

    @Test("invalid UTF-8 or NUL past the ASCII fast path is caught", arguments: [8, 9, 15, 16, 23])
    func invalidStringsAfterLongASCII(position: Int) {
        let ascii = Array(repeating: UInt8(ascii: "a"), count: position)
        for bad: [UInt8] in [[0x00], [0xC3, 0x28], [0xF0, 0x9F, 0x98]] {
            let payload = ascii + bad + Array("tail".utf8)
            #expect(decodingErrorCode(Leaf.self, [0x0A, UInt8(payload.count)] + payload) == .invalidUTF8)
        }
        let valid = ascii + Array("é🌍 ok".utf8)
        #expect(decodingErrorCode(Leaf.self, [0x0A, UInt8(valid.count)] + valid) == nil)
    }

    @Test("over-long varints, field number 0 and ragged packed runs are malformed")
    func malformed() {
        #expect(decodingErrorCode(Leaf.self, [0x10] + Array(repeating: 0xFF, count: 10) + [0x01]) == .malformed)
        #expect(decodingErrorCode(Leaf.self, [0x00, 0x01]) == .malformed)
        // Probe.r_fixed32 (field 27) packed with 5 bytes.
        #expect(decodingErrorCode(Probe.self, [0xDA, 0x01, 0x05, 1, 2, 3, 4, 5]) == .malformed)
    }

    @Test("random and mutated bytes never crash the decoder")
    func fuzz() throws {
        var generator = SplitMix64(seed: 42)
        let valid = try GoldenCases.probeRepeated.serializedBytes() + GoldenCases.probeScalars.serializedBytes()
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = valid
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            _ = try? Probe(serializedBytes: bytes)
            _ = try? Lifelong_V1_TaskIndexSnapshot(serializedBytes: bytes)
        }
    }
}

/// A small deterministic generator for fuzzing.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("decoded size limit")
struct DecodedSizeLimitUnitTests {
    /// A SampleBatch of `count` empty samples (two wire bytes each).
    static func emptySamples(_ count: Int) throws -> [UInt8] {
        var batch = Lifelong_V1_SampleBatch()
        batch.samples = Array(repeating: Lifelong_V1_Sample(), count: count)
        return try batch.serializedBytes()
    }

    @Test("a message is refused by its estimated decoded size, counted per element, before unpacking")
    func emptyElements() throws {
        // An empty sample is two wire bytes but a whole C struct and Swift value decoded:
        // 64 KiB of decoded size holds a few hundred, not 32 Ki, of them.
        let limits = DecodingLimits(maxDecodedBytes: 64 << 10)
        #expect(try Self.emptySamples(1_000).count == 2_000)
        #expect(decodingErrorCode(Lifelong_V1_SampleBatch.self, try Self.emptySamples(100), limits: limits) == nil)
        #expect(decodingErrorCode(Lifelong_V1_SampleBatch.self, try Self.emptySamples(1_000), limits: limits) == .tooLarge)
        #expect(decodingErrorCode(Lifelong_V1_SampleBatch.self, try Self.emptySamples(1 << 20)) == .tooLarge)
        // Packed features count per element too (16 bytes each: 8 in C, 8 in Swift).
        var sample = Lifelong_V1_Sample()
        sample.features = Array(repeating: 1.5, count: 10_000)
        var batch = Lifelong_V1_SampleBatch()
        batch.samples = [sample]
        let bytes = try batch.serializedBytes()
        #expect(decodingErrorCode(Lifelong_V1_SampleBatch.self, bytes, limits: DecodingLimits(maxDecodedBytes: 10_000 * 16)) == .tooLarge)
        #expect(try Lifelong_V1_SampleBatch(serializedBytes: bytes, limits: DecodingLimits(maxDecodedBytes: 10_000 * 16 + 4_096)) == batch)
    }

    @Test("the decoded-size error reaches a client as RESOURCE_EXHAUSTED")
    func statusCode() {
        let error = ProtobufDecodingError(.tooLarge, offset: 0, "too big")
        #expect(RPCError(mapping: error).code == .resourceExhausted)
        #expect(RPCError(mapping: ProtobufDecodingError(.truncated, offset: 0, "cut")).code == .internalError)
    }
}
