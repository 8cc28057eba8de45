import Synchronization

/// Connects a unary call's task to its stream on the loop, so that cancelling the task resets
/// the stream whether the cancellation comes before or after the stream was opened.
final class UnaryCallCancellation: Sendable {
    private enum State {
        /// The loop has not opened the stream yet.
        case starting
        /// The stream is open on the loop.
        case open(Int32)
        /// The task was cancelled.
        case cancelled
    }

    private let state = Mutex(State.starting)

    /// Records the task's cancellation.
    /// - Returns: The stream to reset, if it is already open.
    func cancel() -> Int32? {
        state.withLock { state in
            defer { state = .cancelled }
            if case .open(let id) = state { return id }
            return nil
        }
    }

    /// Records that the stream is open (on the loop).
    /// - Returns: false when the task was cancelled meanwhile (the stream must be reset).
    func opened(_ id: Int32) -> Bool {
        state.withLock { state in
            if case .cancelled = state { return false }
            state = .open(id)
            return true
        }
    }

    /// Whether the task was cancelled (checked on the loop before opening the stream).
    var isCancelled: Bool {
        state.withLock { state in
            if case .cancelled = state { return true }
            return false
        }
    }
}
