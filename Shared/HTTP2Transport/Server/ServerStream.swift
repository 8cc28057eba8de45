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

    /// A call whose handler starts once its whole request is in: it takes one message
    /// (unary, server-streaming), so nothing is gained by starting it earlier.
    struct PendingStart {
        var handler: RawMethodHandler
        /// The route's unary shortcut, taken when exactly one message arrived.
        var unary: RawUnaryMethodHandler?
        var context: ServerContext
        var metadata: Metadata
        var messages: [[UInt8]] = []
    }

    let id: Int32
    /// Request header fields that may be metadata (pseudo and protocol headers are kept apart).
    var headers: [(String, String)] = []
    var path: String?
    var contentType: String?
    var encoding: String?
    var timeout: String?
    var headerBytes = 0
    var request = RequestState.receivingHeaders
    var response = ResponseState.notStarted
    var deframer: GRPCMessageDeframer
    var inbound: InboundMessageQueue<[UInt8]>?
    /// Set while a single-request call collects its message before its handler starts.
    var pendingStart: PendingStart?
    var responder: ServerCallResponder?
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
}
