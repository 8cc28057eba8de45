import ArgumentParser
import Foundation

/// A service address given as `HOST:PORT`, with the variable and default it falls back to.
struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    var host: String
    /// Port, 1…65535.
    var port: Int

    var description: String { "\(host):\(port)" }

    /// Creates an endpoint.
    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` (the last colon separates the port).
    /// - Parameter what: What is being parsed, for the error ("--gateway", "LIFELONG_KB").
    /// - Throws: `ValidationError` naming `what`.
    init(parsing text: String, what: String) throws {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port)
        else { throw ValidationError("\(what) must be HOST:PORT, got '\(text)'") }
        self.init(host: String(text[..<colon]), port: port)
    }

    /// The address an option gave, else the environment variable's, else the default.
    /// - Throws: `ValidationError` when the one used is not `HOST:PORT`.
    static func resolve(option: String?, optionName: String, variable: String, default fallback: String) throws -> Endpoint {
        if let option { return try Endpoint(parsing: option, what: optionName) }
        if let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty {
            return try Endpoint(parsing: value, what: variable)
        }
        return try Endpoint(parsing: fallback, what: optionName)
    }
}
