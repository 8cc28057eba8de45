import Synchronization

/// Collects what a producer writes, for adapting a streaming response to a unary one.
final class UnaryResponseCollector: Sendable {
    private let messages = Mutex<[[UInt8]]>([])

    func append(_ message: [UInt8]) {
        messages.withLock { $0.append(message) }
    }

    /// The one message written.
    /// - Throws: INTERNAL when none or several were written.
    func single() throws -> [UInt8] {
        let written = messages.withLock { $0 }
        guard written.count == 1 else {
            throw RPCError(code: .internalError, message: "a unary call produced \(written.count) response messages")
        }
        return written[0]
    }
}
