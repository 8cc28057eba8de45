public import PostgresClient

/// A PostgreSQL schema that exists for one test: a unique name, dropped (cascade) at the end
/// whether the test passed or threw.
public enum ThrowawaySchema {
    /// Runs `body` with a fresh schema name, then drops the schema.
    /// - Parameters:
    ///   - prefix: The start of the name, e.g. `kbtest`.
    ///   - connection: Where PostgreSQL is (to drop the schema).
    ///   - body: Creates and uses the schema (a service's migrations usually create it).
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws.
    public static func with<T: Sendable>(
        prefix: String, connection: PostgresConfiguration, _ body: (String) async throws -> T
    ) async throws -> T {
        let schema = "\(prefix)_\(UInt64.random(in: 0...UInt64.max) >> 8)"
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(schema))
        } catch {
            outcome = .failure(error)
        }
        let admin = PostgresPool(configuration: PostgresPoolConfiguration(connection: connection))
        _ = try? await admin.execute("drop schema if exists \(schema) cascade")
        admin.close()
        return try outcome.get()
    }
}
