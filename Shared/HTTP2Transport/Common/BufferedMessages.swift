/// The request messages of a call that were all received before its handler started (a
/// unary or server-streaming call): iterating never suspends, nothing is locked.
struct BufferedMessages: AsyncSequence, Sendable {
    typealias Element = [UInt8]

    let messages: [[UInt8]]

    struct AsyncIterator: AsyncIteratorProtocol {
        var messages: IndexingIterator<[[UInt8]]>
        mutating func next() async throws -> [UInt8]? { messages.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(messages: messages.makeIterator()) }
}
