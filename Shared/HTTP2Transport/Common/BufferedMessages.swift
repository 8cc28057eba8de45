/// The request messages of a call that were all received before its handler started (a
/// unary or server-streaming call): iterating never suspends, nothing is locked.
struct BufferedMessages: AsyncSequence, Sendable {
    typealias Element = ReceivedMessage

    let messages: [ReceivedMessage]

    struct AsyncIterator: AsyncIteratorProtocol {
        var messages: IndexingIterator<[ReceivedMessage]>
        mutating func next() async throws -> ReceivedMessage? { messages.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(messages: messages.makeIterator()) }
}
