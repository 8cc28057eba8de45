public import Logging

/// Sets up swift-log for an executable: the level and format of ``HostOptions``, standard
/// error, and the trace context of the call being served in every record's metadata.
public enum HostLogging {
    /// Bootstraps the process-wide logging system. Call once, first thing in `run()`.
    /// - Parameters:
    ///   - level: The least severe level logged.
    ///   - format: Text or JSON lines.
    public static func bootstrap(level: Logger.Level, format: LogFormat) {
        let provider = TraceContext.loggingMetadataProvider
        LoggingSystem.bootstrap({ label, provider in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label, metadataProvider: provider)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, logLevel: level, metadataProvider: provider)
            }
        }, metadataProvider: provider)
    }

    /// A logger that drops everything (a default for libraries and tests).
    public static let silent = Logger(label: "lifelong.silent", factory: { _ in SwiftLogNoOpLogHandler() })
}
