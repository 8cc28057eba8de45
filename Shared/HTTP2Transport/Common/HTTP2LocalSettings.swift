/// What one side of a connection announces in its first SETTINGS frame, and its
/// connection-level receive window (raised with a WINDOW_UPDATE right after).
struct HTTP2LocalSettings: Sendable, Hashable {
    /// SETTINGS_ENABLE_PUSH; nil = not sent (a server does not send it).
    var enablePush: Bool?
    /// SETTINGS_MAX_CONCURRENT_STREAMS; nil = not sent (no limit).
    var maxConcurrentStreams: Int?
    /// SETTINGS_INITIAL_WINDOW_SIZE.
    var initialStreamWindowBytes: Int
    /// SETTINGS_MAX_HEADER_LIST_SIZE.
    var maxHeaderListBytes: Int
    /// The connection's receive window.
    var connectionWindowBytes: Int
}
