import RPCCore

/// How training waits for a service it depends on (the knowledge base, task mining): a call
/// that finds the service unreachable (UNAVAILABLE) is retried with backoff for as long as
/// the calling task runs, and each wait is reported to `onWait` (the run's WAITING events).
public struct UnreachableRetry: Sendable {
    /// The service's name in the waiting reports ("knowledge base").
    public var service: String
    /// First pause after a failure; doubles up to `maximumBackoff`.
    public var initialBackoff: Duration = .milliseconds(200)
    /// Longest pause between attempts.
    public var maximumBackoff: Duration = .seconds(5)
    /// Whether calls wait for an unreachable service; false: UNAVAILABLE is thrown at once.
    public var waitsWhileUnreachable = true

    /// Creates the policy for a service.
    public init(service: String) {
        self.service = service
    }

    /// Runs `call`, retrying while the service is unreachable.
    /// - Parameters:
    ///   - what: What the call does, for the waiting report.
    ///   - onWait: Told before each pause.
    /// - Throws: What `call` throws other than UNAVAILABLE; `CancellationError` when the task
    ///   is cancelled while waiting.
    func run<T: Sendable>(
        _ what: String, onWait: @Sendable (String) async -> Void, _ call: @Sendable () async throws -> T
    ) async throws -> T {
        var delay = initialBackoff
        while true {
            try Task.checkCancellation()
            do {
                return try await call()
            } catch let error as RPCError where error.code == .unavailable && waitsWhileUnreachable {
                await onWait("\(service) unreachable while \(what) (\(error.message)); retrying in \(delay)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, maximumBackoff)
            }
        }
    }
}
