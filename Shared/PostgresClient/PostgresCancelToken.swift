import CLibPQ

/// Cancels the statement a connection is running, from any thread: libpq's `PGcancel`.
///
/// A cancel request is a separate connection to the server that asks it to stop what the
/// original connection runs now; the statement then fails with SQLSTATE 57014. If nothing is
/// running, the request does nothing.
public final class PostgresCancelToken: Sendable {
    /// The `PGcancel *`, freed on deinit (when no thread can be calling `cancel()` any more).
    /// libpq documents `PQcancel` as safe to call from any thread, hence `nonisolated(unsafe)`.
    private nonisolated(unsafe) let handle: OpaquePointer

    init?(connection: OpaquePointer) {
        guard let cancel = PQgetCancel(connection) else { return nil }
        handle = cancel
    }

    deinit {
        PQfreeCancel(handle)
    }

    /// Sends the cancel request.
    /// - Returns: Whether the request was sent (not whether a statement was cancelled).
    @discardableResult
    public func cancel() -> Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        return PQcancel(handle, &buffer, Int32(buffer.count)) == 1
    }
}
