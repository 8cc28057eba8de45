public import PostgresClient

/// Settings of the training service, each with a default.
public struct TrainingConfiguration: Sendable {
    /// PostgreSQL (the queue and the service's tables).
    public var postgres: PostgresPoolConfiguration
    /// Schema holding the tables.
    public var schema = "lifelong_training"
    /// The queue's name within the schema.
    public var queue = "training"
    /// This instance's worker id (unique per instance: leases are held in its name).
    public var workerID: String
    /// How long a claimed unit is leased; renewed every third of it while the work runs.
    public var lease: Duration = .seconds(30)
    /// Units this instance works on at once.
    public var concurrency = 1
    /// Pause between claims when the queue has nothing claimable, and between event reads of
    /// a watch that is up to date.
    public var pollInterval: Duration = .milliseconds(200)
    /// Claims of a unit before it fails for good.
    public var maxAttempts = 3
    /// Pause before a failed unit is tried again.
    public var retryDelay: Duration = .seconds(1)
    /// A boosting-round event every this many rounds (and at the last round).
    public var boostingEventInterval = 10
    /// At most one boosting-round event per unit in this time: rounds reported sooner are not
    /// recorded, except the newest of them, which is recorded when the unit's training ends
    /// (before the unit's next event). A unit's training can hold hundreds of small fits (the
    /// plan's held-out corrections), and each event is a write under the run's lock.
    public var boostingEventSpacing: Duration = .milliseconds(250)
    /// First pause of a call retried while the knowledge base or task mining is unreachable
    /// (doubles to 5 s).
    public var unreachableRetry: Duration = .milliseconds(200)

    /// Creates a configuration.
    /// - Parameters:
    ///   - postgres: PostgreSQL.
    ///   - workerID: This instance's worker id.
    public init(postgres: PostgresPoolConfiguration, workerID: String) {
        self.postgres = postgres
        self.workerID = workerID
    }
}
