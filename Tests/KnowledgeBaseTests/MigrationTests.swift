import KnowledgeBase
import PostgresClient
import Testing

@Suite("Schema migrations")
struct MigrationTests {
    @Test("migrations are recorded once; running them again applies nothing")
    func idempotent() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            let versions = try await kb.sql("select version, name from schema_migrations order by version")
            #expect(versions.rowCount == KnowledgeBaseMigrations.all.count)
            #expect(try versions.string(row: 0, column: 1) == "initial")
            let again = try await kb.kb.migrate()
            #expect(again.applied.isEmpty)
            #expect(again.currentVersion == KnowledgeBaseMigrations.all.map(\.version).max())
        }
    }

    @Test("a migration changed after it was applied is refused")
    func changedMigration() async throws {
        try await KnowledgeBaseFixture.with { kb async throws in
            var changed = KnowledgeBaseMigrations.all
            changed[0].statements.append("select 1")
            let migrator = PostgresMigrator(schema: kb.schema, migrations: changed)
            await #expect(throws: PostgresError.self) { try await migrator.migrate(kb.kb.pool) }
        }
    }
}
