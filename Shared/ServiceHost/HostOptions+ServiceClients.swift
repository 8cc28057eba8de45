public import HTTP2Transport

extension HostOptions {
    /// The configuration of this service's connections to other services: `base` with TLS
    /// verifying them against ``serviceCA`` when it is set.
    public func serviceClientConfiguration(_ base: HTTP2ClientConfiguration = HTTP2ClientConfiguration()) -> HTTP2ClientConfiguration {
        var configuration = base
        if let serviceCA { configuration.tls = TLSClientSettings(trustRootsFile: serviceCA) }
        return configuration
    }
}
