import ServiceHost
public import ArgumentParser
public import PostgresClient

/// The PostgreSQL options of a service that has a database: `@OptionGroup var postgres: PostgresOptions`.
public struct PostgresOptions: ParsableArguments, Sendable {
    /// `postgresql://user:password@host:port/database`; nil = the standard PG* variables.
    @Option(help: .environment("PostgreSQL URL, postgresql://user:password@host:port/database; default: the PG* variables.", option: "postgres-url"))
    public var postgresURL: String?

    /// The most connections the pool opens.
    @Option(help: .environment("Most PostgreSQL connections.", option: "postgres-connections"))
    public var postgresConnections: Int = 8

    /// Defaults.
    public init() {}

    public func validate() throws {
        guard postgresConnections > 0 else { throw ValidationError("--postgres-connections must be > 0, got \(postgresConnections)") }
    }

    /// The pool configuration these options describe.
    /// - Throws: When the URL or the PG* variables are malformed.
    public func poolConfiguration() throws -> PostgresPoolConfiguration {
        let connection = try postgresURL.map { try PostgresConfiguration(url: $0) } ?? PostgresConfiguration.fromEnvironment()
        var pool = PostgresPoolConfiguration(connection: connection)
        pool.maximumConnections = postgresConnections
        return pool
    }
}
