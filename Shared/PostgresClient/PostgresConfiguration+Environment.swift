#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension PostgresConfiguration {
    /// Reads the standard libpq variables of the process: `PGHOST`, `PGPORT`, `PGUSER`,
    /// `PGPASSWORD`, `PGDATABASE`, `PGCONNECT_TIMEOUT` (seconds), `PGAPPNAME`.
    /// - Returns: The configuration; unset or empty variables keep the defaults of
    ///   ``init(host:port:user:password:database:connectTimeout:applicationName:parameters:)``.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/configuration`` when `PGPORT`
    ///   or `PGCONNECT_TIMEOUT` is not a number in range.
    public static func fromEnvironment() throws -> PostgresConfiguration {
        var environment: [String: String] = [:]
        for name in environmentVariables {
            if let value = getenv(name) { environment[name] = String(cString: value) }
        }
        return try PostgresConfiguration(environment: environment)
    }

    /// The variables ``init(environment:)`` reads.
    public static let environmentVariables = [
        "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGCONNECT_TIMEOUT", "PGAPPNAME",
    ]

    /// Reads the standard libpq variables from `environment`, as ``fromEnvironment()`` does
    /// from the process.
    /// - Parameter environment: Variables by name.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/configuration`` when `PGPORT`
    ///   or `PGCONNECT_TIMEOUT` is not a number in range.
    public init(environment: [String: String]) throws {
        let lookup: (String) -> String? = { name in
            environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        self.init()
        if let host = lookup("PGHOST") { self.host = host }
        if let port = lookup("PGPORT") { self.port = try Self.parsePort(port, source: "PGPORT") }
        if let user = lookup("PGUSER") { self.user = user }
        password = lookup("PGPASSWORD")
        database = lookup("PGDATABASE")
        if let timeout = lookup("PGCONNECT_TIMEOUT") {
            guard let seconds = Int(timeout), seconds >= 0 else {
                throw PostgresError.configuration(
                    "PGCONNECT_TIMEOUT must be a whole number of seconds, got '\(timeout)'")
            }
            // libpq treats 0 as "wait forever".
            connectTimeout = seconds == 0 ? nil : .seconds(seconds)
        }
        applicationName = lookup("PGAPPNAME")
    }

    static func parsePort(_ text: String, source: String) throws -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw PostgresError.configuration("\(source) must be a port number 1...65535, got '\(text)'")
        }
        return port
    }
}
