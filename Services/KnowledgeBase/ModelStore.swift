import ContentDigest
import LifelongProto
import PostgresClient
import RPCCore

/// Models, content-addressed by SHA-256: stored once, in rows of
/// ``KnowledgeBaseConfiguration/Limits/modelStorageChunkBytes``.
///
/// An upload is received into the ``UploadSpool`` (no database connection is held while the
/// client sends) and written to PostgreSQL in one transaction only once its SHA-256 and size
/// match the metadata, so a failed, mismatched, stalled or cancelled upload (or a crash of
/// this process) leaves nothing behind, and a slow client never holds a pooled connection.
struct ModelStore: Sendable {
    let pool: PostgresPool
    let limits: KnowledgeBaseConfiguration.Limits
    let spool: UploadSpool

    // MARK: Put

    /// Stores a model from its chunks: metadata in the first.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT (no or bad metadata),
    ///   RESOURCE_EXHAUSTED (beyond the size limit or the spool's budget), DATA_LOSS (hash or
    ///   size mismatch), DEADLINE_EXCEEDED (no chunk for ``KnowledgeBaseConfiguration/Limits/uploadIdleTimeout``),
    ///   UNAVAILABLE, CANCELLED.
    func put(_ chunks: RPCAsyncSequence<Lifelong_V1_ModelChunk>) async throws -> Lifelong_V1_PutModelResponse {
        let received = try await receive(chunks)
        return try await store(received)
    }

    /// A verified upload waiting in the spool.
    private struct Received: Sendable {
        var metadata: Lifelong_V1_ModelMetadata
        var entry: UploadSpool.Entry
    }

    /// Receives every chunk into a spool file, hashing as they come; touches no database.
    private func receive(_ chunks: RPCAsyncSequence<Lifelong_V1_ModelChunk>) async throws -> Received {
        let timeout = limits.uploadIdleTimeout
        return try await IdleTimeout.run(
            timeout,
            expired: {
                KnowledgeBaseError(
                    .deadlineExceeded,
                    "no ModelChunk arrived for \(timeout) (uploadIdleTimeout); the upload was abandoned and nothing was stored")
            }
        ) { progress in
            var iterator = chunks.makeAsyncIterator()
            guard let first = try await iterator.next() else {
                throw KnowledgeBaseError.invalid("the upload has no chunks; the first ModelChunk must carry metadata")
            }
            progress.touch()
            let metadata = try validate(first.metadata)
            let reference = metadata.reference!
            let entry = try spool.open(reserving: reference.sizeBytes)
            var upload = Upload(expected: reference, limits: limits)
            try upload.absorb(first.data)
            try await entry.append(first.data)
            while let chunk = try await iterator.next() {
                progress.touch()
                try Self.noMetadata(chunk)
                try upload.absorb(chunk.data)
                try await entry.append(chunk.data)
            }
            try upload.verify()
            return Received(metadata: metadata, entry: entry)
        }
    }

    /// Writes a verified upload in one transaction: its rows, then its `models` row — unless
    /// the same content is stored already (then `deduplicated`).
    private func store(_ received: Received) async throws -> Lifelong_V1_PutModelResponse {
        let reference = received.metadata.reference!
        let sha256 = reference.sha256
        let entry = received.entry
        let metadata = received.metadata
        let rowBytes = Int64(limits.modelStorageChunkBytes)
        let inserted: Bool = try await pool.withTransaction { connection in
            // Uploads of the same content take turns here, each for one write, never while a
            // client sends: the second finds the first's model and stores nothing.
            try connection.executePrepared(
                "select pg_advisory_xact_lock(hashtextextended(current_schema() || '.models.' || $1, 0))",
                parameters: [.text(sha256)])
            if try connection.executePrepared("select 1 from models where sha256 = $1", parameters: [.text(sha256)])
                .rowCount == 1
            {
                return false
            }
            var offset: Int64 = 0
            var sequence: Int64 = 0
            while offset < reference.sizeBytes {
                let count = Int(min(rowBytes, reference.sizeBytes - offset))
                try connection.executePrepared(
                    "insert into model_chunks (sha256, seq, data) values ($1, $2, $3)",
                    parameters: [.text(sha256), .int8(sequence), .bytea(try entry.file.read(at: offset, count: count))])
                offset += Int64(count)
                sequence += 1
            }
            var stored = metadata
            let now = try connection.executePrepared("select now()").timestampMicroseconds(row: 0, column: 0) ?? 0
            stored.createdAtUs = now
            try connection.executePrepared(
                """
                insert into models (sha256, size_bytes, format, task_name, parent_sha256, parameters,
                    training_samples, chunk_count, metadata, created_at)
                values ($1, $2, $3, $4, nullif($5, ''), $6::text::jsonb, $7, $8, $9, $10)
                """,
                parameters: [
                    .text(sha256), .int8(reference.sizeBytes), .text(stored.format), .text(stored.taskName),
                    .text(stored.parent?.sha256 ?? ""),
                    .text(try AttributeJSON.encode(stored.parameters, field: "metadata.parameters")),
                    .int8Array(stored.trainingSamples), .int8(sequence),
                    .bytea(try stored.serializedBytes()), .timestamptz(now),
                ])
            return true
        }
        return Self.response(reference, deduplicated: !inserted)
    }

    private func validate(_ metadata: Lifelong_V1_ModelMetadata?) throws -> Lifelong_V1_ModelMetadata {
        guard let metadata else {
            throw KnowledgeBaseError.invalid("metadata is missing from the first ModelChunk")
        }
        guard let reference = metadata.reference else {
            throw KnowledgeBaseError.invalid("metadata.reference is missing (sha256 and size_bytes of the whole model)")
        }
        try Validation.sha256(reference.sha256, field: "metadata.reference.sha256")
        guard reference.sizeBytes >= 0 else {
            throw KnowledgeBaseError.invalid("metadata.reference.size_bytes must be >= 0, got \(reference.sizeBytes)")
        }
        guard reference.sizeBytes <= limits.maximumModelBytes else {
            throw KnowledgeBaseError(
                .resourceExhausted,
                "metadata.reference.size_bytes is \(reference.sizeBytes); the limit is \(limits.maximumModelBytes)")
        }
        if let parent = metadata.parent, !parent.sha256.isEmpty {
            try Validation.sha256(parent.sha256, field: "metadata.parent.sha256")
        }
        try Validation.optionalIdentifier(metadata.taskName, field: "metadata.task_name", limits: limits)
        try Validation.optionalIdentifier(metadata.format, field: "metadata.format", limits: limits)
        _ = try AttributeJSON.encode(metadata.parameters, field: "metadata.parameters")
        return metadata
    }

    private static func noMetadata(_ chunk: Lifelong_V1_ModelChunk) throws {
        if chunk.metadata != nil {
            throw KnowledgeBaseError.invalid("metadata may only be sent in the first ModelChunk")
        }
    }

    private static func response(_ reference: Lifelong_V1_ModelReference, deduplicated: Bool) -> Lifelong_V1_PutModelResponse {
        var response = Lifelong_V1_PutModelResponse()
        response.reference = reference
        response.deduplicated = deduplicated
        return response
    }

    /// Hashes and counts the bytes of an upload against its declared reference.
    private struct Upload {
        let expected: Lifelong_V1_ModelReference
        let limits: KnowledgeBaseConfiguration.Limits
        let digest = SHA256Digest()
        var received: Int64 = 0

        init(expected: Lifelong_V1_ModelReference, limits: KnowledgeBaseConfiguration.Limits) {
            self.expected = expected
            self.limits = limits
        }

        mutating func absorb(_ data: [UInt8]) throws {
            received += Int64(data.count)
            guard received <= limits.maximumModelBytes else {
                throw KnowledgeBaseError(
                    .resourceExhausted, "the model exceeds the limit of \(limits.maximumModelBytes) bytes")
            }
            guard received <= expected.sizeBytes else {
                throw KnowledgeBaseError(
                    .dataLoss,
                    "received more than metadata.reference.size_bytes (\(expected.sizeBytes)) bytes; nothing was stored")
            }
            digest.update(data)
        }

        mutating func verify() throws {
            guard received == expected.sizeBytes else {
                throw KnowledgeBaseError(
                    .dataLoss,
                    "received \(received) bytes but metadata.reference.size_bytes is \(expected.sizeBytes); nothing was stored")
            }
            let actual = digest.finalizeHex()
            guard actual == expected.sha256 else {
                throw KnowledgeBaseError(
                    .dataLoss,
                    "the bytes' SHA-256 is \(actual) but metadata.reference.sha256 is \(expected.sha256); nothing was stored")
            }
        }
    }

    // MARK: Get

    /// The metadata of a stored model.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE.
    func metadata(sha256: String) async throws -> (Lifelong_V1_ModelMetadata, chunkCount: Int) {
        try Validation.sha256(sha256, field: "sha256")
        let result = try await pool.execute(
            "select metadata, chunk_count from models where sha256 = $1", parameters: [.text(sha256)])
        guard result.rowCount == 1, let bytes = try result.bytes(row: 0, column: 0) else {
            throw KnowledgeBaseError.notFound("no model with sha256 \(sha256)")
        }
        return (try Lifelong_V1_ModelMetadata(serializedBytes: bytes), Int(try result.int64(row: 0, column: 1) ?? 0))
    }

    /// Streams a stored model: metadata (with the first bytes) first, then the bytes in
    /// chunks of the requested size.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, DATA_LOSS
    ///   (stored rows missing).
    func get(_ request: Lifelong_V1_GetModelRequest, to writer: RPCWriter<Lifelong_V1_ModelChunk>) async throws {
        guard request.chunkSize >= 0 else {
            throw KnowledgeBaseError.invalid("chunk_size must be >= 0, got \(request.chunkSize)")
        }
        let (metadata, chunkCount) = try await metadata(sha256: request.sha256)
        let chunkSize =
            request.chunkSize == 0
            ? limits.defaultDownloadChunkBytes
            : min(max(Int(request.chunkSize), 4096), limits.maximumDownloadChunkBytes)
        let sha256 = request.sha256
        let pool = pool

        func read(_ seq: Int) -> Task<[UInt8], any Error> {
            Task {
                let result = try await pool.execute(
                    "select data from model_chunks where sha256 = $1 and seq = $2",
                    parameters: [.text(sha256), .int8(Int64(seq))])
                guard result.rowCount == 1, let bytes = try result.bytes(row: 0, column: 0) else {
                    throw KnowledgeBaseError(.dataLoss, "model \(sha256) is missing stored chunk \(seq)")
                }
                return bytes
            }
        }

        var pendingMetadata: Lifelong_V1_ModelMetadata? = metadata
        var next: Task<[UInt8], any Error>? = chunkCount > 0 ? read(0) : nil
        defer { next?.cancel() }
        var seq = 0
        // Chunks are exactly `chunkSize` bytes (the last may be shorter), whatever the size of
        // the stored rows.
        var pending: [UInt8] = []
        func send(_ data: ArraySlice<UInt8>) async throws {
            var chunk = Lifelong_V1_ModelChunk()
            chunk.metadata = pendingMetadata
            pendingMetadata = nil
            chunk.data = Array(data)
            try await writer.write(chunk)
        }
        while let current = next {
            let bytes = try await current.value
            seq += 1
            // Read the next row while this one is written out.
            next = seq < chunkCount ? read(seq) : nil
            var offset = 0
            if !pending.isEmpty {
                let take = min(chunkSize - pending.count, bytes.count)
                pending.append(contentsOf: bytes[0..<take])
                offset = take
                if pending.count == chunkSize {
                    try await send(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
            }
            while bytes.count - offset >= chunkSize {
                try await send(bytes[offset..<offset + chunkSize])
                offset += chunkSize
            }
            pending.append(contentsOf: bytes[offset...])
        }
        if !pending.isEmpty || pendingMetadata != nil {
            try await send(pending[...])
        }
    }
}
