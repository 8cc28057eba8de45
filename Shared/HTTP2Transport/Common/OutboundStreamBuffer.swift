import NIOCore
import RPCCore

/// The DATA payload waiting to be sent on one stream, and the writers suspended until it
/// drains below the high-water mark. Confined to the connection's event loop.
struct OutboundStreamBuffer {
    /// How the stream's body ends once the buffer drains.
    enum Ending {
        /// With END_STREAM on the last DATA frame (a client's request).
        case endStream
        /// With a trailing HEADERS frame (a server's status).
        case trailers([(String, String)])
        /// With a prebuilt trailing HEADERS frame (a server's OK status without metadata).
        case staticTrailers(StaticHeaderBlock)
    }

    private var pending = CircularBuffer<[UInt8]>()
    private var headOffset = 0
    private(set) var pendingBytes = 0
    private var waiters = CircularBuffer<(bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>)>()
    private(set) var ending: Ending?
    /// Whether the ending was handed to nghttp2.
    private(set) var ended = false
    let highWaterMark: Int

    init(highWaterMark: Int) {
        self.highWaterMark = highWaterMark
    }

    /// Whether there is anything (bytes or an ending) for nghttp2 to take.
    var hasWork: Bool { pendingBytes > 0 || (ending != nil && !ended) }

    /// Queues bytes; the writer resumes now when below the mark, later otherwise.
    mutating func enqueue(_ bytes: [UInt8], continuation: CheckedContinuation<Void, any Error>) {
        if pendingBytes < highWaterMark {
            append(bytes)
            continuation.resume()
        } else {
            waiters.append((bytes, continuation))
        }
    }

    /// Queues bytes whose writer keeps its own account of what is buffered (it does not wait here).
    mutating func enqueue(_ bytes: [UInt8]) {
        append(bytes)
    }

    /// Sets how the body ends (after everything queued, including suspended writers).
    mutating func end(_ ending: Ending) {
        guard self.ending == nil else { return }
        self.ending = ending
    }

    /// Drops the bytes not yet taken (a call cut off before its status was queued), so that
    /// the status does not wait behind them.
    mutating func discardPending() {
        pending.removeAll()
        headOffset = 0
        pendingBytes = 0
    }

    /// Fails every suspended writer (the stream is gone).
    mutating func failWaiters(_ error: RPCError) {
        while let waiter = waiters.popFirst() { waiter.continuation.resume(throwing: error) }
    }

    /// Copies up to `buffer.count` bytes for a DATA frame.
    /// - Returns: The count copied, or nil when nothing is ready (defer); with `endOfData`
    ///   set when the body is complete, and then the ending (which says whether trailers follow).
    mutating func read(into buffer: UnsafeMutableRawBufferPointer, endOfData: inout Bool) -> (count: Int, ending: Ending?)? {
        var copied = 0
        while copied < buffer.count, let head = pending.first {
            let take = min(buffer.count - copied, head.count - headOffset)
            head.withUnsafeBytes { source in
                UnsafeMutableRawBufferPointer(rebasing: buffer[copied..<(copied + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[headOffset..<(headOffset + take)]))
            }
            copied += take
            headOffset += take
            pendingBytes -= take
            if headOffset == head.count {
                pending.removeFirst()
                headOffset = 0
            }
            admitWaiters()
        }
        if pendingBytes == 0, waiters.isEmpty, let ending, !ended {
            ended = true
            endOfData = true
            return (copied, ending)
        }
        return copied > 0 ? (copied, nil) : nil
    }

    private mutating func admitWaiters() {
        while pendingBytes < highWaterMark, let waiter = waiters.popFirst() {
            append(waiter.bytes)
            waiter.continuation.resume()
        }
    }

    private mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        pending.append(bytes)
        pendingBytes += bytes.count
    }
}
