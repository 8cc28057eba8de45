internal import CNGHTTP2
import RPCCore

/// A header block built once, handed to nghttp2 without copying (the `NO_COPY` flags): the
/// fixed response headers and trailers of every successful call (static, never freed), and
/// the request headers of a client's calls without metadata (cached per method, kept alive by
/// the stream that submitted them until it closes; freed with the block).
final class StaticHeaderBlock: @unchecked Sendable {
    // @unchecked: the storage is written once in `init` and only read afterwards.
    let fields: UnsafeMutablePointer<nghttp2_nv>
    let count: Int

    /// Copies the fields into storage that lives as long as the process.
    init(_ headers: [(String, String)]) {
        count = headers.count
        fields = .allocate(capacity: max(1, headers.count))
        for (index, (name, value)) in headers.enumerated() {
            fields[index] = nghttp2_nv(
                name: Self.permanentBytes(name), value: Self.permanentBytes(value),
                namelen: name.utf8.count, valuelen: value.utf8.count,
                flags: UInt8(NGHTTP2_NV_FLAG_NO_COPY_NAME.rawValue | NGHTTP2_NV_FLAG_NO_COPY_VALUE.rawValue))
        }
    }

    deinit {
        for index in 0..<count {
            fields[index].name.deallocate()
            fields[index].value.deallocate()
        }
        fields.deallocate()
    }

    private static func permanentBytes(_ string: String) -> UnsafeMutablePointer<UInt8> {
        let bytes = Array(string.utf8)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        storage.initialize(from: bytes, count: bytes.count)
        return storage
    }

    /// `:status 200`, the gRPC content-type and `grpc-accept-encoding`: response headers
    /// without metadata.
    static let okResponseHeaders = StaticHeaderBlock([
        (":status", "200"), ("content-type", "application/grpc"),
        ("grpc-accept-encoding", CompressionAlgorithm.acceptEncodingHeader),
    ])

    /// `grpc-status 0`: the trailers of a successful call without trailing metadata.
    static let okTrailers = StaticHeaderBlock([("grpc-status", "0")])
}
