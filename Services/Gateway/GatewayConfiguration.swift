public import Foundation
public import PostgresClient

/// Settings of the gateway, each with a default.
public struct GatewayConfiguration: Sendable {
    /// PostgreSQL (jobs, rounds, the fleet).
    public var postgres: PostgresPoolConfiguration
    /// Schema holding the tables.
    public var schema = "lifelong_gateway"
    /// This instance's name in the jobs' loop leases (unique per instance).
    public var instanceID: String
    /// Pause between passes of the job loop.
    public var tickInterval: Duration = .seconds(1)
    /// How long this instance holds a job's loop before another instance may take it over.
    public var leaseDuration: Duration = .seconds(15)
    /// Pause between event reads of a watch that is up to date.
    public var pollInterval: Duration = .milliseconds(200)
    /// First pause before a failed round is tried again (doubles per attempt).
    public var initialRetryDelay: TimeInterval = 1
    /// Longest pause before a failed round is tried again.
    public var maximumRetryDelay: TimeInterval = 60
    /// Attempts of a round before it waits for TriggerTraining.
    public var maximumAttempts: Int32 = 6
    /// The time zone of the triggers' daily windows.
    public var timeZone: TimeZone = .current
    /// Labelled files whose labels the oracle gives to unseen samples (demos and tests).
    public var oracleFiles: [URL] = []

    /// Creates a configuration.
    public init(postgres: PostgresPoolConfiguration, instanceID: String) {
        self.postgres = postgres
        self.instanceID = instanceID
    }

    /// The pause after `attempts` failed attempts: initial · 2^(attempts − 1), at most the maximum.
    public func retryDelay(afterAttempts attempts: Int) -> TimeInterval {
        min(maximumRetryDelay, initialRetryDelay * pow(2, Double(max(0, attempts - 1))))
    }
}
