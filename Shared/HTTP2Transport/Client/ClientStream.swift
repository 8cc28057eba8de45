import NIOCore
import RPCCore

/// The loop-confined state of one call on a client connection.
final class ClientStream {
    let id: Int32
    /// Fulfilled with the response headers, or failed when the call ends before them.
    let head: EventLoopPromise<Metadata>
    let parts: InboundMessageQueue<ResponsePart<[UInt8]>>
    var headReceived = false
    var finished = false
    var headerFields: [(String, String)] = []
    var headerBytes = 0
    var deframer: GRPCMessageDeframer
    var outbound: OutboundStreamBuffer
    var unacknowledgedBytes = 0
    var queuedBytes = 0
    var deadlineTimer: Scheduled<Void>?

    init(
        id: Int32, head: EventLoopPromise<Metadata>, parts: InboundMessageQueue<ResponsePart<[UInt8]>>,
        maxReceiveMessageBytes: Int, writeBufferBytes: Int
    ) {
        self.id = id
        self.head = head
        self.parts = parts
        self.deframer = GRPCMessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
        self.outbound = OutboundStreamBuffer(highWaterMark: writeBufferBytes)
    }

    /// Ends the call with an error, once.
    func fail(_ error: RPCError) {
        guard !finished else { return }
        finished = true
        deadlineTimer?.cancel()
        head.fail(error)
        parts.fail(error)
        outbound.failWaiters(error)
    }

    /// Ends the call successfully with its trailers, once.
    func succeed(trailers: Metadata) {
        guard !finished else { return }
        finished = true
        deadlineTimer?.cancel()
        parts.push(.trailingMetadata(trailers))
        parts.finish()
        outbound.failWaiters(RPCError(code: .cancelled, message: "the call has ended"))
    }
}
