import NIOCore
import RPCCore
import Synchronization

/// What a handler task holds to answer its call. It keeps the hops to the connection's event
/// loop few: response headers travel with the first message (or the status), a single-response
/// call sends headers, message and status in one hop, and a write suspends only when the
/// stream's buffer is over its high-water mark (the loop reports what it drained).
final class ServerCallResponder: Sendable {
    private struct State {
        /// Initial metadata not yet handed to the loop.
        var headers: Metadata?
        /// A single-response call's message, held until the status goes with it.
        var held: [UInt8]?
        /// Bytes handed to the loop and not yet taken by nghttp2.
        var outstanding = 0
        /// A writer waiting for `outstanding` to fall below the mark.
        var waiter: CheckedContinuation<Void, any Error>?
        /// Set once the call is over: later writes throw it.
        var closed: RPCError?
    }

    let loop: any EventLoop
    let handler: NIOLoopBound<ServerConnectionHandler>
    let streamID: Int32
    let maxSendMessageBytes: Int
    let highWaterMark: Int
    /// Unary and client-streaming calls answer with one message: it waits for the status.
    let singleResponse: Bool
    /// The call's compression: what the handler asks for, what the client accepts.
    let compression: ServerCallCompression
    private let state = Mutex(State())
    /// How response messages are encoded (see `+Compression`); only the handler task uses it.
    let encoder = Mutex(ResponseEncoder())

    init(
        loop: any EventLoop, handler: NIOLoopBound<ServerConnectionHandler>, streamID: Int32,
        maxSendMessageBytes: Int, highWaterMark: Int, singleResponse: Bool,
        compression: ServerCallCompression = ServerCallCompression()
    ) {
        self.loop = loop
        self.handler = handler
        self.streamID = streamID
        self.maxSendMessageBytes = maxSendMessageBytes
        self.highWaterMark = highWaterMark
        self.singleResponse = singleResponse
        self.compression = compression
    }

    // MARK: From the handler task

    /// Records the response headers; they leave with the first message or the status.
    func sendHeaders(_ metadata: Metadata) {
        state.withLock { $0.headers = metadata }
    }

    /// Queues one message; suspends while the stream's buffer is full.
    /// - Throws: ``RPCError`` when the call has ended or the message is too large;
    ///   `CancellationError` when the task is cancelled (the call's own end, when it has one, first).
    func write(_ message: [UInt8]) async throws {
        if let closed = state.withLock({ $0.closed }) { throw closed }
        try Task.checkCancellation()
        let framed = try frame(message)
        enum Next {
            case hold
            case send(headers: Metadata?, previous: [UInt8]?, wait: Bool)
        }
        let next: Next = try state.withLock { state in
            if let closed = state.closed { throw closed }
            if singleResponse, state.held == nil, state.outstanding == 0, state.headers != nil {
                state.held = framed
                return .hold
            }
            let headers = state.headers
            state.headers = nil
            let previous = state.held
            state.held = nil
            state.outstanding += framed.count + (previous?.count ?? 0)
            return .send(headers: headers, previous: previous, wait: state.outstanding > highWaterMark)
        }
        guard case .send(let headers, let previous, let wait) = next else { return }
        let handler = self.handler
        let streamID = self.streamID
        let encoding = responseEncoding
        loop.execute {
            handler.value.respond(
                streamID: streamID, headers: headers, first: previous, second: framed, end: nil, encoding: encoding)
        }
        if wait { try await waitForRoom() }
    }

    /// Ends the call: whatever is held, then the status and trailers, in one hop.
    func finish(error: RPCError?, trailers: Metadata) {
        let (headers, held) = state.withLock { state in
            defer {
                state.headers = nil
                state.held = nil
            }
            return (state.headers, state.held)
        }
        let handler = self.handler
        let streamID = self.streamID
        let encoding = responseEncoding
        loop.execute {
            handler.value.respond(
                streamID: streamID, headers: headers, first: held, second: nil, end: (error, trailers), encoding: encoding)
        }
    }

    /// Ends a unary call with its one message: response headers (no metadata), the message
    /// and an OK status, in one hop.
    /// - Throws: ``RPCError`` when the message is over the send limit (the call has not ended).
    func finish(message: [UInt8]) throws(RPCError) {
        let framed = try frame(message)
        let handler = self.handler
        let streamID = self.streamID
        let encoding = responseEncoding
        if loop.inEventLoop {
            // A handler running on the loop (never inside an nghttp2 callback): no hop needed.
            handler.value.respond(
                streamID: streamID, headers: [:], first: framed, second: nil, end: (nil, [:]), encoding: encoding)
            return
        }
        loop.execute {
            handler.value.respond(
                streamID: streamID, headers: [:], first: framed, second: nil, end: (nil, [:]), encoding: encoding)
        }
    }

    private func waitForRoom() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let outcome: Result<Void, RPCError>? = state.withLock { state in
                if let closed = state.closed { return .failure(closed) }
                if state.outstanding <= highWaterMark { return .success(()) }
                state.waiter = continuation
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    // MARK: From the event loop

    /// nghttp2 took `count` bytes of this call's messages.
    func drained(_ count: Int) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            state.outstanding -= count
            guard state.outstanding <= highWaterMark else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The call is over: a suspended writer and later writes get `error`.
    func close(_ error: RPCError) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            if state.closed == nil { state.closed = error }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }
}
