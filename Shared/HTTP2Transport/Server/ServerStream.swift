import NIOCore
import RPCCore

/// The loop-confined state of one call on a server connection.
final class ServerStream {
    /// How far the response has got.
    enum ResponseState {
        /// Nothing sent; an error now goes out as Trailers-Only.
        case notStarted
        /// Headers sent; messages may follow.
        case headersSent
        /// Trailers queued behind the remaining messages.
        case ending
        /// Everything sent, or the stream is gone.
        case ended
    }

    /// How far the request has got.
    enum RequestState {
        /// Header fields are arriving.
        case receivingHeaders
        /// The handler runs; messages may arrive.
        case open
        /// The client ended its side.
        case closed
    }

    let id: Int32
    var headers: [(String, String)] = []
    var headerBytes = 0
    var request = RequestState.receivingHeaders
    var response = ResponseState.notStarted
    var deframer: GRPCMessageDeframer
    var inbound: InboundMessageQueue<[UInt8]>?
    /// Received bytes not yet acknowledged to the peer (stream level).
    var unacknowledgedBytes = 0
    /// Bytes of complete messages queued for the handler and not yet taken.
    var queuedBytes = 0
    var outbound: OutboundStreamBuffer
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?

    init(id: Int32, maxReceiveMessageBytes: Int, writeBufferBytes: Int) {
        self.id = id
        self.deframer = GRPCMessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
        self.outbound = OutboundStreamBuffer(highWaterMark: writeBufferBytes)
    }

    /// The first value of a header.
    func header(_ name: String) -> String? {
        headers.first { $0.0 == name }?.1
    }
}
