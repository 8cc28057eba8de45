/// Where and as whom to connect to PostgreSQL.
///
/// Fill it in code, from the standard `PG*` environment variables
/// (``init(environment:)``), or from a `postgresql://` URL (``init(url:)``). Settings left
/// `nil` fall back to libpq's own defaults, which include the `PG*` variables themselves.
public struct PostgresConfiguration: Sendable, Hashable {
    /// A host name, an IP address, or the directory of a unix socket (a path starting with `/`).
    public var host: String
    /// The TCP port, or the socket file's number for a unix socket.
    public var port: Int
    /// The role to connect as.
    public var user: String
    /// The password, if the server asks for one.
    public var password: String?
    /// The database; `nil` means a database named like ``user``.
    public var database: String?
    /// How long connecting may take before it fails; `nil` waits as long as the OS does.
    /// libpq counts whole seconds, so this is rounded up (and at least 2 s, libpq's minimum).
    public var connectTimeout: Duration?
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String?
    /// Further libpq connection parameters by keyword (`sslmode`, `options`, …).
    public var parameters: [String: String]

    /// The port PostgreSQL listens on unless told otherwise.
    public static let defaultPort = 5432

    /// Creates a configuration.
    /// - Parameters:
    ///   - host: Host name, IP address or unix-socket directory.
    ///   - port: TCP port.
    ///   - user: Role name.
    ///   - password: Password, if any.
    ///   - database: Database name; `nil` for one named like the user.
    ///   - connectTimeout: Limit on connecting.
    ///   - applicationName: Name reported to the server.
    ///   - parameters: Further libpq keywords and values.
    public init(
        host: String = "127.0.0.1",
        port: Int = PostgresConfiguration.defaultPort,
        user: String = "postgres",
        password: String? = nil,
        database: String? = nil,
        connectTimeout: Duration? = .seconds(10),
        applicationName: String? = nil,
        parameters: [String: String] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.parameters = parameters
    }
}
