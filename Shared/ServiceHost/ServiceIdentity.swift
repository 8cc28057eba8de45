import Synchronization

/// Who an executable is: its name, the prefix of its environment variables, its default port.
public struct ServiceIdentity: Sendable, Hashable {
    /// The executable's name, e.g. `lifelong-kb`; also the first word of its "listening" line.
    public var executable: String
    /// The prefix of its environment variables, e.g. `LIFELONG_KB` (`LIFELONG_KB_PORT`, …).
    public var environmentPrefix: String
    /// The port it listens on by default.
    public var defaultPort: Int
    /// The label of its loggers, e.g. `lifelong.kb`.
    public var loggerLabel: String

    /// Creates an identity.
    public init(executable: String, environmentPrefix: String, defaultPort: Int, loggerLabel: String) {
        self.executable = executable
        self.environmentPrefix = environmentPrefix
        self.defaultPort = defaultPort
        self.loggerLabel = loggerLabel
    }

    /// The environment variable of a long option, e.g. `metrics-port` → `LIFELONG_KB_METRICS_PORT`.
    public func environmentVariable(forOption option: String) -> String {
        environmentPrefix + "_" + option.uppercased().replacing("-", with: "_")
    }

    /// The identity of the executable being parsed or run. Option declarations read it for
    /// their defaults and help (``ServiceCommand/main()`` sets it before parsing); unset, it
    /// is a neutral placeholder.
    public static var current: ServiceIdentity {
        get { currentStorage.withLock { $0 } }
        set { currentStorage.withLock { $0 = newValue } }
    }

    private static let currentStorage = Mutex(
        ServiceIdentity(executable: "lifelong-service", environmentPrefix: "LIFELONG", defaultPort: 0, loggerLabel: "lifelong"))
}
