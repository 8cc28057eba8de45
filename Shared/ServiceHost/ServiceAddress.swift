import ArgumentParser

/// A `host:port` option value naming another service (`--gateway-address gateway:7100`).
public struct ServiceAddress: Sendable, Hashable {
    /// The host name or address.
    public var host: String
    /// The port, 1…65535.
    public var port: Int

    /// Parses `host:port` (the last colon separates the port, so `[::1]:7100` keeps its host).
    /// - Parameters:
    ///   - text: The option's value.
    ///   - option: The option's name without dashes, for the error message.
    /// - Throws: `ValidationError` naming the option when `text` is not `host:port`.
    public init(parsing text: String, option: String) throws {
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex, let port = Int(text[text.index(after: colon)...]),
              (1...65_535).contains(port)
        else { throw ValidationError("--\(option) must be host:port, got '\(text)'") }
        host = String(text[..<colon])
        self.port = port
    }
}
