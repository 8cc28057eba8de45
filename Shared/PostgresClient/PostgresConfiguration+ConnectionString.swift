extension PostgresConfiguration {
    /// The libpq connection string (`host='…' port='…' …`) for this configuration.
    ///
    /// Every value is single-quoted with `\` and `'` escaped, so passwords and names may hold
    /// any character. The client encoding is always UTF-8: text results are decoded as such.
    public var connectionString: String {
        var pairs: [(String, String)] = [
            ("host", host),
            ("port", String(port)),
            ("user", user),
        ]
        if let password { pairs.append(("password", password)) }
        if let database { pairs.append(("dbname", database)) }
        if let connectTimeout { pairs.append(("connect_timeout", String(Self.wholeSeconds(connectTimeout)))) }
        if let applicationName { pairs.append(("application_name", applicationName)) }
        for (key, value) in parameters.sorted(by: { $0.key < $1.key })
        where !Self.reservedKeywords.contains(key) {
            pairs.append((key, value))
        }
        pairs.append(("client_encoding", "UTF8"))
        return pairs.map { "\($0.0)=\(Self.quote($0.1))" }.joined(separator: " ")
    }

    /// The same as ``connectionString`` with the password replaced, for logs.
    public var redactedConnectionString: String {
        var copy = self
        if copy.password != nil { copy.password = "********" }
        return copy.connectionString
    }

    /// Keywords the typed fields own; a duplicate in ``parameters`` is ignored.
    static let reservedKeywords: Set<String> = [
        "host", "hostaddr", "port", "user", "password", "dbname", "connect_timeout",
        "application_name", "client_encoding",
    ]

    static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            if character == "\\" || character == "'" { quoted.append("\\") }
            quoted.append(character)
        }
        quoted.append("'")
        return quoted
    }

    static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let rounded = seconds + (attoseconds > 0 ? 1 : 0)
        return Int(max(2, rounded))
    }
}
