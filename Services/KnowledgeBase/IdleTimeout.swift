import Synchronization

/// Runs a piece of work that must keep making progress: it fails when `timeout` passes
/// without ``Progress/touch()`` (a client that stops sending, say).
enum IdleTimeout {
    /// When the work last made progress.
    final class Progress: Sendable {
        private let last = Mutex(ContinuousClock.now)

        /// Records progress now.
        func touch() { last.withLock { $0 = .now } }

        var lastTouched: ContinuousClock.Instant { last.withLock { $0 } }
    }

    /// Runs `body`; when it makes no progress for `timeout`, cancels it and throws `expired()`.
    /// - Parameters:
    ///   - timeout: The longest pause allowed.
    ///   - expired: The error thrown when a pause lasts longer.
    ///   - body: The work; it calls `touch()` on the progress it is given.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws, or `expired()`.
    static func run<T: Sendable>(
        _ timeout: Duration, expired: @escaping @Sendable () -> any Error,
        _ body: @escaping @Sendable (Progress) async throws -> T
    ) async throws -> T {
        let progress = Progress()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body(progress) }
            group.addTask {
                while true {
                    try await Task.sleep(until: progress.lastTouched + timeout, clock: .continuous)
                    if ContinuousClock.now - progress.lastTouched >= timeout { throw expired() }
                }
            }
            // Whichever ends first decides; the other is cancelled (and awaited by the group).
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                if let value = outcome { return value }
            }
            throw CancellationError()
        }
    }
}
