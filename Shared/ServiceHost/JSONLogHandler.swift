#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FoundationEssentials
public import Logging

/// Writes each log record to standard error as one JSON object per line: `time`, `level`,
/// `label`, `message`, `source`, and the metadata as further keys (dotted names kept).
public struct JSONLogHandler: LogHandler {
    /// The logger's label.
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// Creates a handler.
    public init(label: String, logLevel: Logger.Level = .info, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.render(
            time: Date(), level: event.level, label: label, message: "\(event.message)", source: event.source,
            metadata: merged)
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var written = 0
            while written < buffer.count {
                let result = write(STDERR_FILENO, buffer.baseAddress! + written, buffer.count - written)
                if result <= 0 { break }
                written += result
            }
        }
    }

    /// One record as a JSON line (with its newline).
    static func render(
        time: Date, level: Logger.Level, label: String, message: String, source: String, metadata: Logger.Metadata
    ) -> String {
        var object: [String: JSONValue] = [
            "time": .text(time.formatted(.iso8601)), "level": .text(level.rawValue), "label": .text(label),
            "message": .text(message), "source": .text(source),
        ]
        for (key, value) in metadata where object[key] == nil { object[key] = JSONValue(value) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(object) else {
            return "{\"level\":\"error\",\"message\":\"unencodable log record\"}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// A metadata value as JSON: text, an array or an object.
    private enum JSONValue: Encodable {
        case text(String)
        case array([JSONValue])
        case object([String: JSONValue])

        init(_ value: Logger.MetadataValue) {
            switch value {
            case .string(let text): self = .text(text)
            case .stringConvertible(let convertible): self = .text(convertible.description)
            case .array(let values): self = .array(values.map(JSONValue.init))
            case .dictionary(let dictionary): self = .object(dictionary.mapValues(JSONValue.init))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .text(let text): try container.encode(text)
            case .array(let values): try container.encode(values)
            case .object(let object): try container.encode(object)
            }
        }
    }
}
