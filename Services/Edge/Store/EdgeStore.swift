import Dispatch
import Synchronization

/// The edge node's durable state in one SQLite database: the current and previous snapshot,
/// content-addressed models, the unseen-sample buffer, the upload queue, counters, settings
/// and the audit log of uploads (schema: ``EdgeStore/schema``, docs/edge.md).
///
/// Every method is one transaction, committed (WAL, `synchronous=FULL`) before it returns, so
/// what a caller was told is stored survives a crash. The connection is used by one caller at
/// a time, behind a `Mutex`; calls are short (no network inside a transaction).
public final class EdgeStore: Sendable {
    /// Guards ``database``: SQLite connections are used by one thread at a time.
    private let lock = Mutex(())
    private nonisolated(unsafe) let database: SQLiteDatabase
    /// The store's own thread for ``perform(_:)``.
    private let queue = DispatchQueue(label: "lifelong.edge.store")
    /// Where the database lives.
    public let path: String

    /// Opens (creating and migrating when needed) the store at `path`.
    /// - Parameter path: A file path; `:memory:` for a store that lives as long as this value.
    /// - Throws: ``SQLiteError`` when the file cannot be opened or migrated.
    public init(path: String) throws {
        let database = try SQLiteDatabase(path: path)
        try database.transaction { try database.execute(Self.schema) }
        self.database = database
        self.path = path
    }

    /// Runs `work` on the store's own thread and returns its result: a commit waits for the
    /// disk (`synchronous=FULL`), and must not hold a thread of Swift concurrency's cooperative
    /// pool (two on a 2-core node) that health checks and other calls need. Work that started
    /// runs to its end even when the calling task is cancelled.
    /// - Throws: What `work` throws.
    public func perform<T: Sendable>(_ work: @escaping @Sendable (EdgeStore) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work(self) }) }
        }
    }

    /// Runs `body` with the connection, in one transaction.
    func transaction<T: Sendable>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        try lock.withLock { _ in try database.transaction { try body(database) } }
    }

    /// Runs `body` with the connection, outside an explicit transaction (single reads).
    func read<T: Sendable>(_ body: (SQLiteDatabase) throws -> T) throws -> T {
        try lock.withLock { _ in try body(database) }
    }
}
