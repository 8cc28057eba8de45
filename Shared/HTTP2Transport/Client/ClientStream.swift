import NIOCore
import RPCCore

/// The loop-confined state of one call on a client connection. A unary call's continuation
/// is resumed exactly once: every path that resumes it first sets `finished`.
final class ClientStream {
    /// Where the response goes.
    enum Receiver {
        /// Any call kind: the headers fulfil a promise, messages and trailers go to a queue
        /// read by the call's handler task.
        case streaming(head: EventLoopPromise<Metadata>, parts: InboundMessageQueue<ResponsePart<[UInt8]>>)
        /// A unary call: headers and the message are kept here, and the caller is resumed
        /// once, with everything, when the trailers arrive.
        case unary(method: MethodDescriptor, continuation: UnsafeContinuation<ClientResponse<[UInt8]>, any Error>)
    }

    let id: Int32
    let receiver: Receiver
    var headReceived = false
    var finished = false
    var headerFields: [(String, String)] = []
    var headerBytes = 0
    /// Fields of the current header block that may be metadata (not one of the common ones).
    var headerMetadataCandidates = 0
    var deframer: GRPCMessageDeframer
    /// Decompresses response messages in the response's `grpc-encoding` (set with the headers).
    var decoder: ReceivedMessageDecoder?
    var outbound: OutboundStreamBuffer
    var unacknowledgedBytes = 0
    var queuedBytes = 0
    var deadlineTimer: Scheduled<Void>?
    /// The prebuilt request headers nghttp2 points into, kept alive while the stream is open.
    var requestHeaderBlock: StaticHeaderBlock?
    /// A unary call's response headers, until the call ends.
    private var unaryHead = Metadata()
    /// A unary call's response message, until the call ends.
    private var unaryMessage: [UInt8]?

    init(id: Int32, receiver: Receiver, maxReceiveMessageBytes: Int, writeBufferBytes: Int) {
        self.id = id
        self.receiver = receiver
        self.deframer = GRPCMessageDeframer(maxMessageBytes: maxReceiveMessageBytes)
        self.outbound = OutboundStreamBuffer(highWaterMark: writeBufferBytes)
    }

    /// Whether messages are read by a task through a queue (so their bytes count against the
    /// stream window until consumed).
    var isQueued: Bool {
        if case .streaming = receiver { return true }
        return false
    }

    /// The response headers arrived.
    func receivedHead(_ metadata: Metadata) {
        switch receiver {
        case .streaming(let head, _): head.succeed(metadata)
        case .unary: unaryHead = metadata
        }
    }

    /// A response message arrived.
    /// - Returns: false when the call cannot take it (a unary call's second message); the
    ///   stream was failed then.
    func received(_ message: [UInt8]) -> Bool {
        switch receiver {
        case .streaming(_, let parts):
            parts.push(.message(message))
            return true
        case .unary(let method, _):
            guard unaryMessage == nil else {
                fail(RPCError(code: .internalError, message: "\(method) returned more than one response message"))
                return false
            }
            unaryMessage = message
            return true
        }
    }

    /// Ends the call with an error, once.
    /// - Parameter afterReceived: The server ended the call with this status: response
    ///   messages received before it are still delivered, then the error (as gRPC orders them).
    ///   Otherwise (local failures) the error comes at once.
    func fail(_ error: RPCError, afterReceived: Bool = false) {
        guard !finished else { return }
        finished = true
        deadlineTimer?.cancel()
        switch receiver {
        case .streaming(let head, let parts):
            head.fail(error)
            parts.fail(error, keepingBuffered: afterReceived)
        case .unary(_, let continuation):
            continuation.resume(throwing: error)
        }
        outbound.failWaiters(error)
    }

    /// Ends the call successfully with its trailers, once.
    func succeed(trailers: Metadata) {
        guard !finished else { return }
        switch receiver {
        case .streaming(_, let parts):
            finished = true
            deadlineTimer?.cancel()
            parts.push(.trailingMetadata(trailers))
            parts.finish()
        case .unary(let method, let continuation):
            guard let message = unaryMessage else {
                fail(RPCError(code: .internalError, message: "\(method) returned no response message"))
                return
            }
            finished = true
            deadlineTimer?.cancel()
            continuation.resume(returning: ClientResponse(message: message, metadata: unaryHead, trailingMetadata: trailers))
        }
        outbound.failWaiters(RPCError(code: .cancelled, message: "the call has ended"))
    }
}
