import ContentDigest
import KnowledgeBase
import LifelongProto
import RPCCore
import ServiceHostTesting
import Testing

@Suite("Models: content-addressed, SHA-256 verified, streamed")
struct ModelTests {
    static func upload(
        _ client: Lifelong_V1_KnowledgeBase.Client, _ bytes: [UInt8], metadata: Lifelong_V1_ModelMetadata? = nil,
        chunk: Int = 100_000, options: CallOptions = .defaults
    ) async throws -> Lifelong_V1_PutModelResponse {
        let metadata = metadata ?? Make.modelMetadata(bytes)
        return try await client.putModel(options: options) { writer in
            var offset = 0
            var first = true
            repeat {
                var message = Lifelong_V1_ModelChunk()
                if first { message.metadata = metadata }
                first = false
                let end = min(offset + chunk, bytes.count)
                message.data = Array(bytes[offset..<end])
                try await writer.write(message)
                offset = end
            } while offset < bytes.count
        }
    }

    static func download(_ client: Lifelong_V1_KnowledgeBase.Client, sha256: String, chunkSize: Int32 = 0) async throws
        -> (Lifelong_V1_ModelMetadata?, [UInt8], Int)
    {
        var request = Lifelong_V1_GetModelRequest()
        request.sha256 = sha256
        request.chunkSize = chunkSize
        return try await client.getModel(request) { response in
            var metadata: Lifelong_V1_ModelMetadata?
            var bytes: [UInt8] = []
            var chunks = 0
            for try await chunk in response.messages {
                if chunks == 0 { metadata = chunk.metadata } else { #expect(chunk.metadata == nil) }
                bytes.append(contentsOf: chunk.data)
                chunks += 1
            }
            return (metadata, bytes, chunks)
        }
    }

    @Test("put then get returns the same bytes and metadata; stored in 1 MiB rows", arguments: [0, 1, 1_048_576, 2_500_000])
    func roundTrip(size: Int) async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let bytes = Make.randomBytes(size, seed: UInt64(size) + 1)
            let response = try await Self.upload(kb.client, bytes, metadata: Make.modelMetadata(bytes, task: "t1"))
            #expect(response.deduplicated == false)
            #expect(response.reference?.sha256 == SHA256Digest.hex(of: bytes))
            #expect(response.reference?.sizeBytes == Int64(size))
            let sha = SHA256Digest.hex(of: bytes)
            #expect(try await kb.count("select count(*) from model_chunks where sha256 = $1", [.text(sha)])
                == Int64((size + (1 << 20) - 1) >> 20))

            let (metadata, downloaded, chunks) = try await Self.download(kb.client, sha256: sha, chunkSize: 300_000)
            #expect(downloaded == bytes)
            #expect(metadata?.reference?.sha256 == sha)
            #expect(metadata?.taskName == "t1")
            #expect(metadata?.format == "lifelong.test.v1")
            #expect(metadata?.createdAtUs ?? 0 > 0)
            #expect(chunks == max(1, (size + 299_999) / 300_000))
            #expect(SHA256Digest.hex(of: downloaded) == sha)
        }
    }

    @Test("SHA-256 of known inputs")
    func knownDigests() {
        #expect(SHA256Digest.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256Digest.hex(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // Incremental updates of odd sizes give the one-shot digest.
        let bytes = Make.randomBytes(10_000)
        let digest = SHA256Digest()
        var offset = 0
        for size in [1, 63, 64, 65, 127, 1000, 8680] {
            digest.update(bytes[offset..<offset + size])
            offset += size
        }
        #expect(digest.finalizeHex() == SHA256Digest.hex(of: bytes))
    }

    @Test("the same content twice is stored once")
    func deduplication() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let bytes = Make.randomBytes(1_500_000, seed: 7)
            #expect(try await Self.upload(kb.client, bytes).deduplicated == false)
            #expect(try await Self.upload(kb.client, bytes, chunk: 33_333).deduplicated == true)
            #expect(try await kb.count("select count(*) from models") == 1)
            #expect(try await kb.count("select count(*) from model_chunks") == 2)
        }
    }

    @Test("a hash or size mismatch is DATA_LOSS and stores nothing")
    func mismatch() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let bytes = Make.randomBytes(1_200_000, seed: 3)
            var corrupted = bytes
            corrupted[600_000] ^= 0xff
            let wrongHash = await statusCode {
                _ = try await Self.upload(kb.client, corrupted, metadata: Make.modelMetadata(bytes))
            }
            #expect(wrongHash?.0 == .dataLoss)
            #expect(wrongHash?.1.contains("SHA-256") == true)

            let short = await statusCode {
                _ = try await Self.upload(kb.client, Array(bytes.prefix(1000)), metadata: Make.modelMetadata(bytes))
            }
            #expect(short?.0 == .dataLoss)
            let long = await statusCode {
                _ = try await Self.upload(kb.client, bytes + [1], metadata: Make.modelMetadata(bytes))
            }
            #expect(long?.0 == .dataLoss)
            #expect(try await kb.count("select count(*) from models") == 0)
            #expect(try await kb.count("select count(*) from model_chunks") == 0)

            var request = Lifelong_V1_GetModelRequest()
            request.sha256 = SHA256Digest.hex(of: bytes)
            let missing = await statusCode { _ = try await kb.client.getModel(request) { response in for try await _ in response.messages {} } }
            #expect(missing?.0 == .notFound)
        }
    }

    @Test("an upload whose client fails half-way leaves nothing behind: it was spooled, never in the database")
    func cancelledUpload() async throws {
        let name = "kbcancel_\(UInt32.random(in: 0...UInt32.max))"
        try await KnowledgeBaseFixture.with(applicationName: name) { kb async throws in
            struct ClientGaveUp: Error {}
            let bytes = Make.randomBytes(3_000_000, seed: 11)
            let sha = SHA256Digest.hex(of: bytes)
            let spool = kb.kb.uploadSpool
            let outcome = await statusCode {
                _ = try await kb.client.putModel { writer in
                    var chunk = Lifelong_V1_ModelChunk()
                    chunk.metadata = Make.modelMetadata(bytes)
                    chunk.data = Array(bytes[0..<1_000_000])
                    try await writer.write(chunk)
                    chunk.metadata = nil
                    chunk.data = Array(bytes[1_000_000..<2_200_000])
                    try await writer.write(chunk)
                    // The mechanism at work: both chunks are in the spool, whole, with the
                    // declared size reserved; nothing is in the database, and no session of the
                    // knowledge base is inside a transaction waiting for this client.
                    #expect(try await ProcessFaultTests.eventually { spool.statistics.spooledBytes == 2_200_000 })
                    #expect(spool.statistics == .init(uploads: 1, reservedBytes: 3_000_000, spooledBytes: 2_200_000))
                    #expect(try await kb.freshCount("select count(*) from model_chunks where sha256 = $1", [.text(sha)]) == 0)
                    #expect(try await kb.freshCount(
                        "select count(*) from pg_stat_activity where application_name = $1 and state like 'idle in transaction%'",
                        [.text(name)]) == 0)
                    throw ClientGaveUp()
                }
            }
            #expect(outcome?.0 == .cancelled, "\(String(describing: outcome))")
            // The spool file is gone and its reservation given back.
            #expect(try await ProcessFaultTests.eventually { spool.statistics == .init(uploads: 0, reservedBytes: 0, spooledBytes: 0) })
            #expect(try await kb.freshCount("select count(*) from model_chunks where sha256 = $1", [.text(sha)]) == 0)
            #expect(try await kb.freshCount("select count(*) from models") == 0)
            // And the same model can be uploaded afterwards.
            #expect(try await Self.upload(kb.client, bytes).deduplicated == false)
            #expect(try await kb.freshCount("select count(*) from model_chunks where sha256 = $1", [.text(sha)]) == 3)
        }
    }

    @Test("the spool's byte budget: an upload that does not fit is RESOURCE_EXHAUSTED naming uploadSpoolBytes")
    func spoolBudget() async throws {
        var limits = KnowledgeBaseConfiguration.Limits()
        limits.uploadSpoolBytes = 1_000_000
        try await KnowledgeBaseFixture.with(limits: limits) { kb async throws in
            let big = Make.randomBytes(800_000, seed: 31)
            let small = Make.randomBytes(300_000, seed: 32)
            let (proceed, proceedSink) = AsyncStream<Void>.makeStream()
            let client = kb.client
            // A first upload reserves 800,000 bytes and waits half-way.
            let first = Task {
                try await client.putModel { writer in
                    var chunk = Lifelong_V1_ModelChunk()
                    chunk.metadata = Make.modelMetadata(big)
                    chunk.data = Array(big[0..<400_000])
                    try await writer.write(chunk)
                    for await _ in proceed { break }
                    chunk.metadata = nil
                    chunk.data = Array(big[400_000...])
                    try await writer.write(chunk)
                }
            }
            #expect(try await ProcessFaultTests.eventually { kb.kb.uploadSpool.statistics.reservedBytes == 800_000 })
            let refused = await statusCode { _ = try await Self.upload(kb.client, small) }
            #expect(refused?.0 == .resourceExhausted)
            #expect(refused?.1.contains("uploadSpoolBytes") == true, "\(String(describing: refused))")
            let tooBig = Make.randomBytes(1_000_001, seed: 33)
            let never = await statusCode { _ = try await Self.upload(kb.client, tooBig) }
            #expect(never?.0 == .resourceExhausted)
            #expect(never?.1.contains("uploadSpoolBytes") == true)
            proceedSink.yield()
            #expect(try await first.value.deduplicated == false)
            #expect(try await Self.upload(kb.client, small).deduplicated == false)
            #expect(kb.kb.uploadSpool.statistics == .init(uploads: 0, reservedBytes: 0, spooledBytes: 0))
        }
    }

    @Test("bad metadata is INVALID_ARGUMENT naming the field; oversize is RESOURCE_EXHAUSTED")
    func badMetadata() async throws {
        var limits = KnowledgeBaseConfiguration.Limits()
        limits.maximumModelBytes = 1000
        try await KnowledgeBaseFixture.with(limits: limits) { kb async throws in
            let bytes = Make.randomBytes(100)
            var noReference = Make.modelMetadata(bytes)
            noReference.reference = nil
            let missing = await statusCode { _ = try await Self.upload(kb.client, bytes, metadata: noReference) }
            #expect(missing?.0 == .invalidArgument)
            #expect(missing?.1.contains("metadata.reference") == true)

            let badHex = await statusCode {
                _ = try await Self.upload(kb.client, bytes, metadata: Make.modelMetadata(bytes, sha256: "XYZ"))
            }
            #expect(badHex?.0 == .invalidArgument)
            #expect(badHex?.1.contains("metadata.reference.sha256") == true)

            let big = Make.randomBytes(5000)
            let oversize = await statusCode { _ = try await Self.upload(kb.client, big) }
            #expect(oversize?.0 == .resourceExhausted)

            var unknown = Lifelong_V1_GetModelRequest()
            unknown.sha256 = String(repeating: "0", count: 64)
            #expect(await statusCode { _ = try await kb.client.getModel(unknown) { response in for try await _ in response.messages {} } }?.0 == .notFound)
        }
    }
}
