#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import PostgresClient

/// The PostgreSQL that database tests use, configured like postgres-nio's tests:
/// `POSTGRES_HOSTNAME`, `POSTGRES_PORT`, `POSTGRES_USER`, `POSTGRES_PASSWORD`, `POSTGRES_DB`,
/// else the libpq `PG*` variables, else 127.0.0.1:5432, user postgres, database
/// lifelong_test. `make test` starts a throwaway cluster and exports both sets.
public enum PostgresTestEnvironment {
    /// The configuration, tagged with the test target's name in `pg_stat_activity`.
    public static func configuration(applicationName: String) -> PostgresConfiguration {
        PostgresConfiguration(
            host: env("POSTGRES_HOSTNAME") ?? env("PGHOST") ?? "127.0.0.1",
            port: (env("POSTGRES_PORT") ?? env("PGPORT")).flatMap { Int($0) } ?? 5432,
            user: env("POSTGRES_USER") ?? env("PGUSER") ?? "postgres",
            password: env("POSTGRES_PASSWORD") ?? env("PGPASSWORD"),
            database: env("POSTGRES_DB") ?? env("PGDATABASE") ?? "lifelong_test",
            connectTimeout: .seconds(5),
            applicationName: applicationName)
    }

    /// Why a database test failed before it could start: it fails (never skips) and says
    /// what to do about it.
    public struct Unavailable: Error, CustomStringConvertible {
        /// Where the test looked.
        public var configuration: PostgresConfiguration
        /// The error connecting gave.
        public var underlying: any Error

        /// Creates the error.
        public init(configuration: PostgresConfiguration, underlying: any Error) {
            self.configuration = configuration
            self.underlying = underlying
        }

        public var description: String {
            """
            PostgreSQL is unreachable at \(configuration.host):\(configuration.port) \
            (database \(configuration.database ?? "-")): \(underlying). \
            These tests need a real server: run them via `make test`, or start the throwaway \
            cluster by hand with `make pg-start; eval "$(scripts/postgres-cluster.sh env)"` \
            before `swift test`.
            """
        }
    }

    private static func env(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
