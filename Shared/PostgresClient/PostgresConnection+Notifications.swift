#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CLibPQ

/// A message sent with `NOTIFY channel, 'payload'` (or `pg_notify`) to a connection that
/// runs `LISTEN channel`.
public struct PostgresNotification: Sendable, Hashable {
    /// The channel.
    public var channel: String
    /// The payload ('' when none was given).
    public var payload: String
    /// The process ID of the notifying server backend.
    public var processID: Int32

    /// Creates a notification.
    public init(channel: String, payload: String, processID: Int32) {
        self.channel = channel
        self.payload = payload
        self.processID = processID
    }
}

extension PostgresConnection {
    /// Starts listening on a channel.
    /// - Parameter channel: The channel name (quoted as an identifier, so any text works).
    /// - Throws: ``PostgresError``.
    public func listen(_ channel: String) throws {
        try execute("listen \(Self.quotedIdentifier(channel))")
    }

    /// Waits until notifications arrive or `timeout` passes, and returns those received
    /// (including any that arrived during earlier statements). Blocks the calling thread.
    /// - Parameter timeout: The longest wait.
    /// - Returns: The notifications, oldest first; empty after a timeout.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/connection`` when the
    ///   connection is lost.
    public func waitForNotifications(timeout: Duration) throws -> [PostgresNotification] {
        guard let handle else {
            throw PostgresError(kind: .connection, code: PostgresError.connectionFailure, message: "the connection is closed")
        }
        var received = drainNotifications(handle)
        if !received.isEmpty { return received }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw lostConnection(handle) }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, milliseconds)
        if ready < 0 && errno != EINTR { throw lostConnection(handle) }
        if ready > 0 {
            guard PQconsumeInput(handle) == 1 else { throw lostConnection(handle) }
            received = drainNotifications(handle)
        }
        if PQstatus(handle) != CONNECTION_OK { throw lostConnection(handle) }
        return received
    }

    private func drainNotifications(_ handle: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(handle) {
            received.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                    processID: notify.pointee.be_pid))
            PQfreemem(notify)
        }
        return received
    }

    private func lostConnection(_ handle: OpaquePointer) -> PostgresError {
        let reason = PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
        return PostgresError(
            kind: .connection, code: PostgresError.connectionFailure,
            message: "the listening connection was lost: \(reason.split(separator: "\n").joined(separator: "; "))")
    }

    /// `"name"` with embedded quotes doubled.
    static func quotedIdentifier(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }
}
