/// A message encoding of gRPC's `grpc-encoding` and `grpc-accept-encoding` headers.
public enum CompressionAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// Messages are sent as they are.
    case identity
    /// gzip (RFC 1952).
    case gzip
    /// zlib's deflate format (RFC 1950), as gRPC names it.
    case deflate

    /// The name in `grpc-encoding` headers.
    public var name: String { rawValue }

    /// The algorithm a `grpc-encoding` value names; nil for one this library does not know.
    public init?(name: some StringProtocol) {
        self.init(rawValue: String(name))
    }

    /// The known algorithms in a `grpc-accept-encoding` value (a comma-separated list);
    /// `.identity` is always among them, as every peer can read uncompressed messages.
    public static func accepted(by header: some StringProtocol) -> Set<CompressionAlgorithm> {
        var algorithms: Set<CompressionAlgorithm> = [.identity]
        for part in header.split(separator: ",") {
            let trimmed = part.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }
            if let algorithm = CompressionAlgorithm(name: String(trimmed.reversed())) { algorithms.insert(algorithm) }
        }
        return algorithms
    }

    /// What this library reads, for `grpc-accept-encoding`: `gzip,deflate,identity`.
    public static let acceptEncodingHeader = "gzip,deflate,identity"
}
