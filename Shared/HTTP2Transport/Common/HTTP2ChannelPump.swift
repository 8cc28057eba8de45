internal import CNGHTTP2
import NIOCore

/// What the client and server connection handlers share: it creates the nghttp2 session and
/// queues the first SETTINGS, feeds the session what the channel reads, writes what the session
/// queues in batches (one socket write per flush, only while the channel is writable), and
/// closes the channel, at once or after lingering. Confined to the channel's event loop.
///
/// A class, not a struct in the handler: nghttp2 calls back into the handler while the pump is
/// sending, and the handler then reaches the session through the pump again.
final class HTTP2ChannelPump {
    /// What a flush did.
    enum FlushOutcome: Equatable {
        /// Wrote `bytes` (0 when nothing was ready or the channel is unwritable); then says
        /// whether the session still wants to read or write, and whether it has frames left.
        case flushed(bytes: Int, sessionActive: Bool, wantsWrite: Bool)
        /// nghttp2 failed fatally while producing frames: the connection must close.
        case failed
        /// Nothing done: inside a read (its end flushes), not started, inactive or closed.
        case skipped
    }

    /// The session, once ``start(context:role:settings:delegate:)`` ran.
    private(set) var session: NGHTTP2Session?
    private var context: ChannelHandlerContext?
    /// Set while the session consumes a read: frames it queues go out at the read's end.
    private var receiving = false
    private var flushScheduled = false
    /// The channel is being closed by this pump: nothing more is written.
    private(set) var isClosed = false

    init() {}

    /// Creates the session and queues SETTINGS and the connection WINDOW_UPDATE; closes the
    /// channel when nghttp2 cannot create a session (out of memory).
    func start(
        context: ChannelHandlerContext, role: NGHTTP2Session.Role, settings: HTTP2LocalSettings,
        delegate: any NGHTTP2SessionDelegate
    ) {
        self.context = context
        guard let session = NGHTTP2Session(role: role, options: .init(), delegate: delegate) else {
            closeNow()
            return
        }
        self.session = session
        var entries: [(id: Int32, value: UInt32)] = []
        if let enablePush = settings.enablePush {
            entries.append((Int32(NGHTTP2_SETTINGS_ENABLE_PUSH.rawValue), enablePush ? 1 : 0))
        }
        if let maxConcurrentStreams = settings.maxConcurrentStreams {
            entries.append((Int32(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS.rawValue), UInt32(maxConcurrentStreams)))
        }
        entries.append((Int32(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE.rawValue), UInt32(settings.maxHeaderListBytes)))
        entries.append((Int32(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE.rawValue), UInt32(settings.initialStreamWindowBytes)))
        session.submitSettings(entries)
        session.setLocalConnectionWindow(Int32(settings.connectionWindowBytes))
    }

    /// Feeds received bytes to the session; a negative result (nghttp2's error) is fatal.
    func receive(_ buffer: ByteBuffer) -> Int {
        guard let session, !isClosed else { return 0 }
        receiving = true
        defer { receiving = false }
        return buffer.withUnsafeReadableBytes { session.receive($0) }
    }

    /// Writes what the session has queued, in buffers of up to 64 KiB, while the channel is
    /// writable, then flushes the channel once.
    func flush() -> FlushOutcome {
        guard let context, let session, !receiving, !isClosed, context.channel.isActive else { return .skipped }
        var written = 0
        while context.channel.isWritable && session.wantsWrite {
            var buffer = context.channel.allocator.buffer(capacity: 16 << 10)
            guard session.send(into: &buffer, limit: 64 << 10) else { return .failed }
            guard buffer.readableBytes > 0 else { break }
            written += buffer.readableBytes
            context.write(NIOAny(buffer), promise: nil)
        }
        if written > 0 { context.flush() }
        return .flushed(bytes: written, sessionActive: session.isActive, wantsWrite: session.wantsWrite)
    }

    /// Calls `flush` on `owner` once the loop has run the tasks queued so far, so that what
    /// several tasks of one tick queue shares a socket write. At most one is pending.
    func scheduleFlush<Owner>(_ owner: NIOLoopBound<Owner>, _ flush: @escaping @Sendable (Owner) -> Void) {
        guard !flushScheduled, !isClosed, let context else { return }
        flushScheduled = true
        let pump = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.execute {
            pump.value.flushScheduled = false
            flush(owner.value)
        }
    }

    /// Lets go of the channel and the session once the handler left the pipeline: the session
    /// (freed here) and the context would otherwise keep the handler, and the handler them,
    /// alive forever — one leaked connection's worth of memory per closed connection.
    func release() {
        isClosed = true
        context = nil
        session = nil
    }

    /// Closes at once (a peer that broke the protocol badly, stopped reading, or went away).
    func closeNow() {
        guard !isClosed, let context else { return }
        isClosed = true
        context.close(promise: nil)
    }

    /// Closes after a final GOAWAY: once everything is written, the output side is shut; what
    /// still arrives is read and dropped for `lingerTime`, so that the kernel does not answer it
    /// with a reset that would destroy the GOAWAY in flight.
    func lingerClose(after lingerTime: Duration) {
        guard !isClosed, let context else { return }
        isClosed = true
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(NIOAny(channel.allocator.buffer(capacity: 0)), promise: written)
        written.futureResult.whenComplete { _ in channel.close(mode: .output, promise: nil) }
        context.eventLoop.scheduleTask(in: .nanoseconds(Int64(lingerTime.nanoseconds))) {
            channel.close(promise: nil)
        }
    }
}
