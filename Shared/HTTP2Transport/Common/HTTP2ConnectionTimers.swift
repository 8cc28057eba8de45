import NIOCore

/// The connection-level timers of a handler, by name: at most one of each is armed; arming one
/// again replaces it. A fired timer is forgotten before its body runs. Confined to the loop.
final class HTTP2ConnectionTimers<Timer: Hashable & Sendable> {
    private let loop: any EventLoop
    private var armed: [Timer: Scheduled<Void>] = [:]

    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Whether `timer` is armed.
    func isArmed(_ timer: Timer) -> Bool { armed[timer] != nil }

    /// Arms `timer`; when it fires, `body` runs on the loop with the owner.
    func schedule<Owner>(
        _ timer: Timer, after delay: Duration, owner: NIOLoopBound<Owner>, _ body: @escaping @Sendable (Owner) -> Void
    ) {
        armed.removeValue(forKey: timer)?.cancel()
        let timers = NIOLoopBound(self, eventLoop: loop)
        armed[timer] = loop.scheduleTask(in: .nanoseconds(Int64(delay.nanoseconds))) {
            timers.value.armed.removeValue(forKey: timer)
            body(owner.value)
        }
    }

    /// Disarms `timer` (nothing when it is not armed).
    func cancel(_ timer: Timer) {
        armed.removeValue(forKey: timer)?.cancel()
    }

    /// Disarms every timer (the connection is closing).
    func cancelAll() {
        for scheduled in armed.values { scheduled.cancel() }
        armed.removeAll()
    }
}
