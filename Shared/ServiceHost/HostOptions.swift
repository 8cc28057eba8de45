public import ArgumentParser
public import HTTP2Transport
public import Logging

/// The options every service has, declared once: `@OptionGroup var host: HostOptions`.
/// Each can also come from `<PREFIX>_<OPTION>` in the environment (the flag wins), see
/// ``EnvironmentArguments``.
public struct HostOptions: ParsableArguments, Sendable {
    /// The address to listen on.
    @Option(name: .customLong("host"), help: .environment("Address to listen on.", option: "host"))
    public var host: String = "127.0.0.1"

    /// The gRPC port; 0 picks a free one.
    @Option(help: .environment("Port to listen on; 0 picks a free one.", option: "port"))
    public var port: Int = ServiceIdentity.current.defaultPort

    /// The port of the Prometheus endpoint (`GET /metrics`); nil = no endpoint.
    @Option(help: .environment("Port of the Prometheus text endpoint (GET /metrics); 0 picks a free one; off when unset.", option: "metrics-port"))
    public var metricsPort: Int?

    /// The least severe level logged.
    @Option(help: .environment("Log level: trace, debug, info, notice, warning, error, critical.", option: "log-level"))
    public var logLevel: Logger.Level = .info

    /// How log lines are written.
    @Option(help: .environment("Log format: text or json (one object per line).", option: "log-format"))
    public var logFormat: LogFormat = .text

    /// Seconds in-flight calls get to finish on SIGTERM/SIGINT before they end with UNAVAILABLE.
    @Option(help: .environment("Seconds in-flight calls get to finish on shutdown.", option: "shutdown-grace"))
    public var shutdownGrace: Double = 5

    /// PEM certificate chain served with TLS (ALPN h2); with ``tlsKey``. Unset: plaintext h2c.
    @Option(help: .environment("PEM certificate chain for TLS on the gRPC port (with --tls-key; reread on SIGHUP); plaintext h2c when unset.", option: "tls-certificate"))
    public var tlsCertificate: String?

    /// PEM private key of ``tlsCertificate``.
    @Option(help: .environment("PEM private key of --tls-certificate.", option: "tls-key"))
    public var tlsKey: String?

    /// The token file (hashed, see `TokenFile`) of the bearer tokens this service accepts.
    /// Authentication is on by default: a service starts only with this or ``noAuth``.
    @Option(help: .environment("Token file of the bearer tokens accepted (lines 'sha256:<hex> <scope> [node]'; make one with lifelong-tokens); required unless --no-auth.", option: "auth-tokens"))
    public var authTokens: String?

    /// Accept every call without a token: for local experiments only, logged as a warning.
    @Flag(help: .environment("Accept calls without a bearer token (local experiments only; logged as a warning).", option: "no-auth"))
    public var noAuth = false

    /// The plain token (one line) this service sends on its calls to other services.
    @Option(help: .environment("File with the plain service token sent on calls to other services.", option: "service-token-file"))
    public var serviceTokenFile: String?

    /// The CA that signed the other services' certificates: this service's calls to them go
    /// over TLS and verify them; plaintext h2c when unset (loopback).
    @Option(help: .environment("PEM file of the CA that signed the other services' certificates: calls to them use TLS and verify them; plaintext h2c when unset.", option: "service-ca"))
    public var serviceCA: String?

    /// Defaults (for tests and embedding). The optional options (``metricsPort``,
    /// ``tlsCertificate``, ``tlsKey``, ``authTokens``, ``serviceTokenFile``, ``serviceCA``) and the flag
    /// ``noAuth`` must be set before they are read, nil and false included.
    public init() {}

    public func validate() throws {
        for (name, value) in [("port", port), ("metrics-port", metricsPort ?? 0)] where !(0...65535).contains(value) {
            throw ValidationError("--\(name) must be 0...65535, got \(value)")
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-certificate and --tls-key go together: give both or neither")
        }
        if noAuth, authTokens != nil {
            throw ValidationError("--auth-tokens and --no-auth exclude each other: give one")
        }
        guard shutdownGrace >= 0, shutdownGrace.isFinite else {
            throw ValidationError("--shutdown-grace must be a number of seconds >= 0, got \(shutdownGrace)")
        }
    }

    /// The gRPC port's TLS files, when both are set; nil = plaintext.
    public var tls: TLSServerSettings? {
        guard let tlsCertificate, let tlsKey else { return nil }
        return TLSServerSettings(certificateChainFile: tlsCertificate, privateKeyFile: tlsKey)
    }

    /// ``shutdownGrace`` as a duration.
    public var shutdownGracePeriod: Duration { .milliseconds(Int64(shutdownGrace * 1000)) }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable, ExpressibleByArgument {
    /// `2026-12-02T18:00:00Z info lifelong.kb: message key=value`.
    case text
    /// One JSON object per line, for log shippers.
    case json
}
