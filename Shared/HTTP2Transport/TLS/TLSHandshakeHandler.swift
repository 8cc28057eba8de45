import NIOCore
import NIOTLS
import RPCCore

/// Completes a promise when a client connection's TLS handshake is done and agreed on ALPN
/// `h2`, then leaves the pipeline; fails it when the handshake fails or the connection closes
/// first. The transport waits for it before using the connection, so a certificate that does
/// not verify fails the connect (with NIOSSL's reason), not the calls queued on it.
final class TLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let completed: EventLoopPromise<Void>
    private var isDone = false

    init(completed: EventLoopPromise<Void>) {
        self.completed = completed
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        guard let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event else { return }
        if negotiated == "h2" {
            finish(.success(()))
            context.pipeline.syncOperations.removeHandler(self, promise: nil)
        } else {
            finish(.failure(RPCError(code: .unavailable, message: "the server did not agree on ALPN h2 (it chose \(negotiated ?? "none"))")))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(RPCError(code: .unavailable, message: "the connection closed during the TLS handshake")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !isDone else { return }
        isDone = true
        completed.completeWith(result)
    }
}
