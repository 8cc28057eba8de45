import PostgresClient
import PostgresTestSupport

/// The test database of this target (see `PostgresTestEnvironment` for the variables read).
enum TestDatabase {
    static var configuration: PostgresConfiguration {
        PostgresTestEnvironment.configuration(applicationName: "PostgresClientTests")
    }

    /// Connects, or fails the test (never skips it) with what to do about it.
    static func connect() throws -> PostgresConnection {
        let configuration = configuration
        do {
            return try PostgresConnection.connect(configuration)
        } catch {
            throw PostgresTestEnvironment.Unavailable(configuration: configuration, underlying: error)
        }
    }
}
