import NIOCore
import RPCCore
import Synchronization

/// Received elements of one stream on their way from the event loop to a consumer task.
/// The producer (the connection) bounds what it buffers by acknowledging DATA only as
/// `onConsumed` reports elements taken; so the queue itself needs no limit.
final class InboundMessageQueue<Element: Sendable>: Sendable {
    private enum Terminal {
        case finished
        case failed(RPCError)
    }

    private struct State {
        var buffer = CircularBuffer<Element>()
        var waiter: CheckedContinuation<Element?, any Error>?
        var terminal: Terminal?
    }

    private enum Outcome {
        case element(Element)
        case end
        case error(RPCError)
        case wait
    }

    private let state = Mutex(State())
    private let size: @Sendable (Element) -> Int
    private let onConsumed: @Sendable (Int) -> Void

    /// Creates a queue.
    /// - Parameters:
    ///   - size: The wire size of an element, reported to `onConsumed` once it is taken.
    ///   - onConsumed: Called (off the loop) each time the consumer takes an element.
    init(size: @escaping @Sendable (Element) -> Int, onConsumed: @escaping @Sendable (Int) -> Void) {
        self.size = size
        self.onConsumed = onConsumed
    }

    /// Appends an element, or hands it to a waiting consumer.
    func push(_ element: Element) {
        let waiter: CheckedContinuation<Element?, any Error>? = state.withLock { state in
            guard state.terminal == nil else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffer.append(element)
            return nil
        }
        if let waiter {
            waiter.resume(returning: element)
            onConsumed(size(element))
        }
    }

    /// Ends the sequence after the buffered elements.
    func finish() {
        let waiter: CheckedContinuation<Element?, any Error>? = state.withLock { state in
            guard state.terminal == nil else { return nil }
            state.terminal = .finished
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Fails the sequence: the consumer gets `error` at once (`keepingBuffered` false: the
    /// buffered elements are dropped), or after the elements already buffered (`keepingBuffered`
    /// true: an error the peer ended the stream with comes after what it sent before).
    func fail(_ error: RPCError, keepingBuffered: Bool = false) {
        let waiter: CheckedContinuation<Element?, any Error>? = state.withLock { state in
            if case .failed = state.terminal { return nil }
            state.terminal = .failed(error)
            if !keepingBuffered { state.buffer.removeAll() }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }

    /// Takes the next element; nil at the end.
    /// - Throws: ``RPCError`` when the stream failed, CANCELLED when the task is cancelled.
    func next() async throws -> Element? {
        let element: Element? = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome: Outcome = state.withLock { state in
                    if let element = state.buffer.popFirst() { return .element(element) }
                    switch state.terminal {
                    case .finished: return .end
                    case .failed(let error): return .error(error)
                    case nil:
                        state.waiter = continuation
                        return .wait
                    }
                }
                switch outcome {
                case .element(let element):
                    continuation.resume(returning: element)
                    onConsumed(size(element))
                case .end: continuation.resume(returning: nil)
                case .error(let error): continuation.resume(throwing: error)
                case .wait: break
                }
            }
        } onCancel: {
            fail(RPCError(code: .cancelled, message: "the reading task was cancelled"))
        }
        return element
    }

    /// The queue as an `RPCAsyncSequence`.
    var sequence: RPCAsyncSequence<Element> {
        RPCAsyncSequence(wrapping: Sequence(queue: self))
    }

    private struct Sequence: AsyncSequence, Sendable {
        let queue: InboundMessageQueue<Element>
        struct AsyncIterator: AsyncIteratorProtocol {
            let queue: InboundMessageQueue<Element>
            mutating func next() async throws -> Element? { try await queue.next() }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
    }
}
