import NIOCore
import RPCCore

/// One call on a server connection: its protocol state (``ServerStreamStateMachine``) and what
/// the handler holds to run it — the handler task, its request queue and responder, the
/// response bytes waiting for nghttp2, the deadline timer. Confined to the event loop.
final class ServerStream {
    /// A single-request call waiting for its message before its handler starts.
    struct PendingStart {
        var handler: RawMethodHandler
        /// The route's unary shortcut, taken when exactly one message arrived.
        var unary: RawUnaryMethodHandler?
        var context: ServerContext
        var metadata: Metadata
        /// Decompresses the request message in the handler's task.
        var decoder: ReceivedMessageDecoder
    }

    let id: Int32
    var machine: ServerStreamStateMachine
    /// A streaming call's request messages, read by its handler task.
    var inbound: InboundMessageQueue<ReceivedMessage>?
    var pendingStart: PendingStart?
    var responder: ServerCallResponder?
    var outbound: OutboundStreamBuffer
    var task: Task<Void, Never>?
    var deadlineTimer: Scheduled<Void>?
    /// Since when the client has been sending its request (until END_STREAM).
    var receivingSince: Duration?
    /// Since when the response has been waiting on a flow-control window of 0.
    var blockedSince: Duration?

    init(machine: ServerStreamStateMachine, writeBufferBytes: Int) {
        self.id = machine.id
        self.machine = machine
        self.outbound = OutboundStreamBuffer(highWaterMark: writeBufferBytes)
    }
}
