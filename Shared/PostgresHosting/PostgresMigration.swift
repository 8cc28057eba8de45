import ServiceHost
public import Logging
import PostgresClient

/// Runs a service's schema migrations at start-up.
public enum PostgresMigration {
    /// Runs `migrate`, retrying with backoff (200 ms doubling to 5 s) while PostgreSQL is
    /// unreachable: a supervisor that starts the service before its database is normal.
    /// Other failures end the start-up.
    /// - Throws: What `migrate` throws other than a connection error; `CancellationError`.
    public static func untilReachable(logger: Logger, _ migrate: @Sendable () async throws -> Void) async throws {
        var delay = Duration.milliseconds(200)
        while true {
            do {
                try await migrate()
                return
            } catch let error as PostgresError where error.kind == .connection {
                logger.warning(
                    "PostgreSQL unreachable; retrying",
                    metadata: ["postgres.error": "\(error.message)", "postgres.retry_in": "\(delay)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
