/// How a ``PostgresPool`` connects, how many connections it keeps, and when it replaces them.
///
/// Every field has a default that suits one service on one host; change what you need.
public struct PostgresPoolConfiguration: Sendable {
    /// Where and as whom each connection connects.
    public var connection: PostgresConfiguration
    /// The most connections open at once; callers beyond that wait for one to be released.
    public var maximumConnections: Int = 8
    /// A connection older than this is closed when it is released and replaced on next use,
    /// so server-side memory and stale plans do not pile up.
    public var maximumLifetime: Duration = .seconds(30 * 60)
    /// A connection idle for longer than this is checked with an empty statement before it
    /// is handed out (a server restart is noticed there rather than by the caller's statement).
    public var idleCheckInterval: Duration = .seconds(5)
    /// `statement_timeout` of every connection; `nil` leaves the server's setting.
    public var statementTimeout: Duration? = .seconds(30)
    /// `idle_in_transaction_session_timeout` of every connection: a session left inside a
    /// transaction while its caller waits (a stalled upload) is ended by the server, which
    /// rolls the transaction back and frees the connection. `nil` leaves the server's setting.
    public var idleInTransactionTimeout: Duration? = .seconds(60)
    /// How long a caller waits for a connection when all are leased; then it fails with a
    /// connection error naming the pool (UNAVAILABLE for a service). `nil` waits for ever.
    public var acquireTimeout: Duration? = .seconds(10)
    /// The wait after the first failed connection attempt before the next one; doubles up to
    /// ``maximumReconnectBackoff``. Calls made while waiting fail at once.
    public var minimumReconnectBackoff: Duration = .milliseconds(50)
    /// The longest wait between connection attempts.
    public var maximumReconnectBackoff: Duration = .seconds(2)
    /// Session settings applied with `set` after connecting (`search_path`, `lock_timeout`, …).
    public var sessionSettings: [String: String] = [:]
    /// How often a transaction that failed with a serialization failure (40001) or a deadlock
    /// (40P01) is run in all before the error reaches the caller.
    public var maximumTransactionAttempts: Int = 5

    /// Creates a configuration.
    /// - Parameter connection: Where and as whom to connect.
    public init(connection: PostgresConfiguration) {
        self.connection = connection
    }
}
