public import Instrumentation
public import RPCCore

/// Reads a header from request metadata for an `Instrument`.
public struct MetadataExtractor: Extractor {
    /// Creates the extractor.
    public init() {}

    public func extract(key: String, from carrier: Metadata) -> String? {
        carrier[stringValues: key].first
    }
}

/// Writes a header into request metadata for an `Instrument`, replacing earlier values.
public struct MetadataInjector: Injector {
    /// Creates the injector.
    public init() {}

    public func inject(_ value: String, forKey key: String, into carrier: inout Metadata) {
        carrier.removeAll(forKey: key)
        carrier.addString(value, forKey: key)
    }
}
