import CLibPQ

extension PostgresConnection {
    /// Runs a statement as a prepared statement: parsed and planned once per connection and
    /// parameter types (`PQprepare`), then executed with binary parameters and results
    /// (`PQexecPrepared`).
    ///
    /// The first call with a given SQL text and parameter types prepares it under a generated
    /// name; later calls reuse it. Use it for statements run often; ``execute(_:parameters:)``
    /// suits one-off statements and DDL.
    /// - Parameters:
    ///   - sql: One statement with `$1`, `$2`, … placeholders.
    ///   - parameters: Their values; each is typed by its case, `null` left to the server.
    /// - Returns: The rows and the command tag.
    /// - Throws: ``PostgresError`` as ``execute(_:parameters:)``.
    ///
    /// A schema change can make a prepared statement's result type stale (`alter table … add
    /// column` under a `select *`): PostgreSQL then refuses to run it with SQLSTATE 0A000
    /// ("cached plan must not change result type"). Outside an explicit transaction the
    /// statement is deallocated, prepared again and run once more, so callers never see that.
    /// Inside one the transaction is already aborted: the statement is forgotten (deallocated
    /// at the next chance) and the error thrown — ``PostgresError/isStalePreparedStatement`` —
    /// so that ``PostgresPool/withTransaction(isolation:_:)`` runs the transaction again.
    @discardableResult
    public func executePrepared(_ sql: String, parameters: [PostgresValue] = []) throws -> PostgresResult {
        let handle = try openHandle()
        try Self.checkParameterCount(parameters)
        let encoded = PostgresParameters(parameters)
        let key = PreparedKey(sql: sql, types: encoded.types)
        try deallocateStaleStatements(handle)
        let name = try preparedName(key, encoded: encoded, handle: handle)
        do {
            return try runPrepared(name, encoded, handle: handle)
        } catch let error as PostgresError where error.isStalePreparedStatement {
            preparedStatements[key] = nil
            stalePreparedStatements.append(name)
            guard transactionState == .idle else { throw error }
            try deallocateStaleStatements(handle)
            return try runPrepared(try preparedName(key, encoded: encoded, handle: handle), encoded, handle: handle)
        }
    }

    /// The name `key` is prepared under on this session, preparing it first if needed.
    private func preparedName(_ key: PreparedKey, encoded: PostgresParameters, handle: OpaquePointer) throws -> String {
        if let existing = preparedStatements[key] { return existing }
        preparedStatementsMade += 1
        let name = "lifelong_\(preparedStatementsMade)"
        let prepared = encoded.types.withUnsafeBufferPointer { types in
            PQprepare(handle, name, key.sql, Int32(encoded.types.count), types.baseAddress)
        }
        _ = try consume(prepared, on: handle)
        preparedStatements[key] = name
        return name
    }

    private func runPrepared(_ name: String, _ encoded: PostgresParameters, handle: OpaquePointer) throws -> PostgresResult {
        let result = encoded.withPointers { count, _, values, lengths, formats in
            PQexecPrepared(handle, name, count, values, lengths, formats, 1)
        }
        return try consume(result, on: handle)
    }

    /// Deallocates statements forgotten as stale, unless a failed transaction forbids it now.
    private func deallocateStaleStatements(_ handle: OpaquePointer) throws {
        guard !stalePreparedStatements.isEmpty, transactionState == .idle || transactionState == .inTransaction else {
            return
        }
        for name in stalePreparedStatements {
            _ = try consume(PQexec(handle, "deallocate \(name)"), on: handle)
        }
        stalePreparedStatements = []
    }

    /// Identifies a prepared statement: the same text with other parameter types (a NULL
    /// where a value was before, say) is prepared separately.
    struct PreparedKey: Hashable {
        var sql: String
        var types: [Oid]
    }
}

/// Statement parameters in binary format, laid out as libpq wants them: one buffer of
/// values and, per parameter, its type OID, offset, length (-1 for NULL) and format (1).
struct PostgresParameters {
    var types: [Oid]
    var lengths: [Int32]
    var offsets: [Int]
    var storage: [UInt8]

    init(_ parameters: [PostgresValue]) {
        let count = parameters.count
        types = [Oid](repeating: 0, count: count)
        lengths = [Int32](repeating: 0, count: count)
        offsets = [Int](repeating: 0, count: count)
        storage = []
        storage.reserveCapacity(parameters.reduce(1) { $0 + $1.encodedSizeHint })
        for (index, value) in parameters.enumerated() {
            types[index] = value.dataType?.rawValue ?? 0
            offsets[index] = storage.count
            lengths[index] = Int32(value.appendBinaryEncoding(to: &storage))
        }
        // One trailing byte keeps the buffer non-empty so every non-null value, even an empty
        // one, gets a non-null pointer.
        storage.append(0)
    }

    /// Calls `body` with the count, types, value pointers, lengths and formats.
    func withPointers<R>(
        _ body: (
            Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
            UnsafePointer<Int32>?
        ) -> R
    ) -> R {
        let count = types.count
        let formats = [Int32](repeating: 1, count: count)
        return storage.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
            let values: [UnsafePointer<CChar>?] = (0..<count).map { index in
                lengths[index] < 0 ? nil : UnsafePointer(base + offsets[index])
            }
            return types.withUnsafeBufferPointer { types in
                values.withUnsafeBufferPointer { values in
                    lengths.withUnsafeBufferPointer { lengths in
                        formats.withUnsafeBufferPointer { formats in
                            body(Int32(count), types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
                        }
                    }
                }
            }
        }
    }
}
