import CLibPQ

/// The isolation level of a transaction.
public enum PostgresIsolationLevel: String, Sendable, Hashable {
    /// Each statement sees what was committed before it started (PostgreSQL's default).
    case readCommitted = "read committed"
    /// The whole transaction sees one snapshot; conflicting writes fail with 40001.
    case repeatableRead = "repeatable read"
    /// As if transactions ran one after another; conflicts fail with 40001.
    case serializable = "serializable"
}

/// Where a connection stands with respect to transactions (libpq's `PQtransactionStatus`).
public enum PostgresTransactionState: Sendable, Hashable {
    /// No transaction is open.
    case idle
    /// A statement is running.
    case active
    /// Inside a transaction block that has not failed.
    case inTransaction
    /// Inside a transaction block that failed; only `rollback` is accepted.
    case failedTransaction
    /// The connection is bad.
    case unknown
}

extension PostgresError {
    /// Whether the transaction that failed with this error can simply be run again:
    /// SQLSTATE 40001 (serialization failure) or 40P01 (deadlock detected).
    public var isRetryableTransactionFailure: Bool {
        code == "40001" || code == "40P01"
    }

    /// Whether a prepared statement failed because a schema change altered its result type
    /// (SQLSTATE 0A000, "cached plan must not change result type"). The statement is prepared
    /// again on its next use; a transaction it aborted can simply be run again.
    public var isStalePreparedStatement: Bool {
        // 0A000 is "feature not supported" in general; the one other statement of ours that
        // reports it (a COPY sent through `execute`) is refused by this library, not the server.
        kind == .query && code == "0A000" && !message.hasPrefix("COPY is not supported")
    }
}

extension PostgresConnection {
    /// The connection's transaction state.
    public var transactionState: PostgresTransactionState {
        guard let handle else { return .unknown }
        switch PQtransactionStatus(handle) {
        case PQTRANS_IDLE: return .idle
        case PQTRANS_ACTIVE: return .active
        case PQTRANS_INTRANS: return .inTransaction
        case PQTRANS_INERROR: return .failedTransaction
        default: return .unknown
        }
    }

    /// Runs `body` in one transaction: `begin`, `body`, `commit`; `rollback` when `body`
    /// throws. Not retried: see ``PostgresPool/withTransaction(isolation:_:)`` for that.
    /// - Parameters:
    ///   - isolation: The isolation level.
    ///   - body: The statements.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` or `commit` throws; a failed `rollback` is not reported over it.
    public func transaction<T>(
        isolation: PostgresIsolationLevel = .readCommitted, _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        try execute("begin isolation level \(isolation.rawValue)")
        let value: T
        do {
            value = try body(self)
        } catch {
            if isOpen { _ = try? execute("rollback") }
            throw error
        }
        do {
            try execute("commit")
        } catch {
            if isOpen, transactionState != .idle { _ = try? execute("rollback") }
            throw error
        }
        return value
    }
}

extension PostgresPool {
    /// Runs `body` in one transaction on a leased connection, and runs it again (in a new
    /// transaction, after a short randomized pause) when it fails with a serialization
    /// failure (40001), a deadlock (40P01) or a prepared statement made stale by a schema
    /// change (0A000, see ``PostgresConnection/executePrepared(_:parameters:)``), up to
    /// ``PostgresPoolConfiguration/maximumTransactionAttempts`` times in all.
    ///
    /// `body` may run more than once, so it must have no effects outside the database.
    /// - Parameters:
    ///   - isolation: The isolation level.
    ///   - body: The statements; runs on the connection's thread.
    /// - Returns: What `body` returns.
    /// - Throws: ``PostgresError``, or what `body` throws.
    public func withTransaction<T: Sendable>(
        isolation: PostgresIsolationLevel = .readCommitted,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection { lease in
            var attempt = 1
            while true {
                do {
                    return try await lease.run { connection in
                        try connection.transaction(isolation: isolation, body)
                    }
                } catch let error as PostgresError
                    where (error.isRetryableTransactionFailure || error.isStalePreparedStatement)
                        && attempt < configuration.maximumTransactionAttempts
                {
                    let ceiling = 5 << min(attempt, 6)
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...ceiling)))
                    attempt += 1
                }
            }
        }
    }
}
