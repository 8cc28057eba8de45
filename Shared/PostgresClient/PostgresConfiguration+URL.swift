extension PostgresConfiguration {
    /// Parses a connection URL:
    /// `postgresql://[user[:password]@][host][:port][/database][?keyword=value&…]`
    /// (the scheme may also be `postgres`).
    ///
    /// User, password, host, database and query values are percent-decoded, so
    /// `postgresql://kb:p%40ss@db/kb` has the password `p@ss`. An IPv6 host goes in brackets
    /// (`[::1]`); a unix-socket directory goes percent-encoded in the host (`%2Frun%2Fpostgresql`)
    /// or as `?host=/run/postgresql`. Query keywords `connect_timeout` (seconds) and
    /// `application_name` fill their fields, `host`, `port`, `user`, `password` and `dbname`
    /// override the URL's parts, and any other keyword lands in ``parameters``. Parts the URL
    /// leaves out keep the defaults of
    /// ``init(host:port:user:password:database:connectTimeout:applicationName:parameters:)``.
    /// - Parameter url: The URL.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/configuration`` naming the part
    ///   that is malformed.
    public init(url: String) throws {
        self.init()
        var rest = Substring(url)
        guard let schemeEnd = rest.firstRange(of: "://"),
            ["postgresql", "postgres"].contains(rest[..<schemeEnd.lowerBound].lowercased())
        else {
            throw PostgresError.configuration(
                "a PostgreSQL URL starts with postgresql:// or postgres://, got '\(Self.redacted(url))'")
        }
        rest = rest[schemeEnd.upperBound...]

        var query: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            let path = rest[rest.index(after: slash)...]
            if !path.isEmpty { database = try Self.percentDecoded(path, part: "database") }
        }

        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.percentDecoded(userInfo[..<colon], part: "user")
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], part: "password")
            } else if !userInfo.isEmpty {
                user = try Self.percentDecoded(userInfo, part: "user")
            }
        }

        var hostPart = authority
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw PostgresError.configuration("unterminated '[' in the host of a PostgreSQL URL")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else if !after.isEmpty {
                throw PostgresError.configuration("unexpected '\(after)' after the IPv6 host of a PostgreSQL URL")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        }
        if hostPart.contains(",") {
            throw PostgresError.configuration("PostgreSQL URLs with several hosts are not supported")
        }
        if !hostPart.isEmpty { host = try Self.percentDecoded(hostPart, part: "host") }
        if let portPart, !portPart.isEmpty { port = try Self.parsePort(String(portPart), source: "the URL's port") }

        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = item.firstIndex(of: "=") else {
                throw PostgresError.configuration("query item '\(item)' of a PostgreSQL URL has no '='")
            }
            let key = try Self.percentDecoded(item[..<equals], part: "query keyword")
            let value = try Self.percentDecoded(item[item.index(after: equals)...], part: "value of \(key)")
            switch key {
            case "host": host = value
            case "port": port = try Self.parsePort(value, source: "the URL's port parameter")
            case "user": user = value
            case "password": password = value
            case "dbname": database = value
            case "application_name": applicationName = value
            case "connect_timeout":
                guard let seconds = Int(value), seconds >= 0 else {
                    throw PostgresError.configuration(
                        "connect_timeout must be a whole number of seconds, got '\(value)'")
                }
                connectTimeout = seconds == 0 ? nil : .seconds(seconds)
            default: parameters[key] = value
            }
        }
    }

    static func percentDecoded(_ text: Substring, part: String) throws -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue),
                let low = iterator.next().flatMap(Self.hexValue)
            else {
                throw PostgresError.configuration("bad percent-escape in the \(part) of a PostgreSQL URL")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresError.configuration("the \(part) of a PostgreSQL URL is not UTF-8 once decoded")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The URL with any password masked, for error messages.
    private static func redacted(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let schemeEnd = url.firstRange(of: "://"),
            let colon = url[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return url }
        return String(url[..<url.index(after: colon)]) + "********" + String(url[at...])
    }
}
