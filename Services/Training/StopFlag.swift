import Synchronization

/// Set when a unit's work must stop: its lease was lost or its run cancelled. Read between
/// boosting rounds (on every thread the unit's trainings run on) and before every step that
/// writes.
final class StopFlag: Sendable {
    enum Reason: Sendable, Hashable {
        case leaseLost
        case cancelled
        case shutdown
    }

    private let reason = Mutex<Reason?>(nil)

    /// Why the work stops; nil while it may go on.
    var current: Reason? { reason.withLock { $0 } }

    /// Asks the work to stop (the first reason wins).
    func stop(_ why: Reason) {
        reason.withLock { if $0 == nil { $0 = why } }
    }

    /// Throws `CancellationError` once stopped.
    func check() throws {
        if current != nil { throw CancellationError() }
    }
}
