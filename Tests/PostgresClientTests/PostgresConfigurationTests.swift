import PostgresClient
import Testing

@Suite("PostgresConfiguration")
struct PostgresConfigurationTests {
    @Test("a URL with percent-encoded special characters")
    func urlWithSpecialCharacters() throws {
        let configuration = try PostgresConfiguration(
            url: "postgresql://kb%40edge:p%40ss%3Aw%2Fo'rd%5C%20%E2%82%AC@db.example.org:6543/my%20db"
                + "?connect_timeout=7&application_name=lifelong%20kb&sslmode=disable")
        #expect(configuration.user == "kb@edge")
        #expect(configuration.password == "p@ss:w/o'rd\\ €")
        #expect(configuration.host == "db.example.org")
        #expect(configuration.port == 6543)
        #expect(configuration.database == "my db")
        #expect(configuration.connectTimeout == .seconds(7))
        #expect(configuration.applicationName == "lifelong kb")
        #expect(configuration.parameters == ["sslmode": "disable"])
    }

    @Test("the connection string quotes every value")
    func connectionStringQuoting() throws {
        let configuration = PostgresConfiguration(
            host: "db", port: 5433, user: "o'neil", password: #"a\b' c"#, database: "x y",
            connectTimeout: .milliseconds(2500), applicationName: "app",
            parameters: ["sslmode": "disable", "password": "ignored"])
        #expect(
            configuration.connectionString
                == #"host='db' port='5433' user='o\'neil' password='a\\b\' c' dbname='x y' "#
                + #"connect_timeout='3' application_name='app' sslmode='disable' client_encoding='UTF8'"#)
        #expect(!configuration.redactedConnectionString.contains("a\\\\b"))
        #expect(configuration.redactedConnectionString.contains("password='********'"))
    }

    @Test("URL defaults, the postgres scheme, IPv6 and query overrides")
    func urlVariants() throws {
        let bare = try PostgresConfiguration(url: "postgres://")
        #expect(bare.host == "127.0.0.1")
        #expect(bare.port == 5432)
        #expect(bare.user == "postgres")
        #expect(bare.password == nil)
        #expect(bare.database == nil)

        let ipv6 = try PostgresConfiguration(url: "postgresql://u@[::1]:7000/db")
        #expect(ipv6.host == "::1")
        #expect(ipv6.port == 7000)
        #expect(ipv6.user == "u")

        let socket = try PostgresConfiguration(url: "postgresql:///kb?host=/run/postgresql&port=5999&user=me")
        #expect(socket.host == "/run/postgresql")
        #expect(socket.port == 5999)
        #expect(socket.user == "me")
        #expect(socket.database == "kb")

        let encodedSocket = try PostgresConfiguration(url: "postgresql://%2Ftmp%2Fpg/kb")
        #expect(encodedSocket.host == "/tmp/pg")
    }

    @Test(
        "malformed URLs are configuration errors",
        arguments: [
            "mysql://u@h/db",
            "127.0.0.1:5432",
            "postgresql://h:notaport/db",
            "postgresql://h:70000/db",
            "postgresql://u:p%zz@h/db",
            "postgresql://[::1/db",
            "postgresql://h1,h2/db",
            "postgresql://h/db?connect_timeout=soon",
            "postgresql://h/db?novalue",
        ])
    func malformedURL(_ url: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConfiguration(url: url) }
        #expect(error?.kind == .configuration)
        #expect(error?.code == nil)
    }

    @Test("the password never appears in a URL error")
    func urlErrorHidesPassword() {
        let error = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(url: "mysql://user:secret@h/db")
        }
        #expect(error?.message.contains("secret") == false)
    }

    @Test("the PG* environment variables")
    func environment() throws {
        let configuration = try PostgresConfiguration(environment: [
            "PGHOST": "10.1.2.3", "PGPORT": "6000", "PGUSER": "kb", "PGPASSWORD": "pw",
            "PGDATABASE": "knowledge", "PGCONNECT_TIMEOUT": "4", "PGAPPNAME": "lifelong-kb",
        ])
        #expect(configuration.host == "10.1.2.3")
        #expect(configuration.port == 6000)
        #expect(configuration.user == "kb")
        #expect(configuration.password == "pw")
        #expect(configuration.database == "knowledge")
        #expect(configuration.connectTimeout == .seconds(4))
        #expect(configuration.applicationName == "lifelong-kb")

        let defaults = try PostgresConfiguration(environment: ["PGHOST": ""])
        #expect(defaults == PostgresConfiguration())

        let error = #expect(throws: PostgresError.self) {
            try PostgresConfiguration(environment: ["PGPORT": "five"])
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("PGPORT") == true)
    }
}
