/// The type of an HTTP/2 frame (RFC 9113 §6) and the flags the connections look at, as on
/// the wire. Plain Swift, so that the state machines need neither nghttp2 nor NIO.
enum HTTP2FrameType: UInt8, Sendable {
    case data = 0x0
    case headers = 0x1
    case priority = 0x2
    case resetStream = 0x3
    case settings = 0x4
    case pushPromise = 0x5
    case ping = 0x6
    case goAway = 0x7
    case windowUpdate = 0x8
    case continuation = 0x9

    /// END_STREAM on DATA and HEADERS.
    static let endStreamFlag: UInt8 = 0x1
    /// END_HEADERS on HEADERS and CONTINUATION.
    static let endHeadersFlag: UInt8 = 0x4

    /// Whether a frame of this type with these flags leaves a header block open (a HEADERS or
    /// CONTINUATION without END_HEADERS).
    static func opensHeaderBlock(type: UInt8, flags: UInt8) -> Bool {
        (type == headers.rawValue || type == continuation.rawValue) && flags & endHeadersFlag == 0
    }
}
