/// Writes the messages of one side of a streaming call. Writing suspends while the transport
/// applies backpressure; it throws once the call has ended.
public struct RPCWriter<Element: Sendable>: Sendable {
    private let writeElement: @Sendable (Element) async throws -> Void

    /// Creates a writer from the function that delivers one element.
    public init(_ write: @escaping @Sendable (Element) async throws -> Void) {
        self.writeElement = write
    }

    /// Writes one message.
    /// - Throws: ``RPCError`` when the call has ended or was cancelled.
    public func write(_ element: Element) async throws {
        try await writeElement(element)
    }

    /// Writes several messages in order.
    /// - Throws: ``RPCError`` when the call has ended or was cancelled.
    public func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await writeElement(element) }
    }

    /// A writer that transforms each element before writing it with this one.
    public func map<Other: Sendable>(
        _ transform: @escaping @Sendable (Other) throws -> Element
    ) -> RPCWriter<Other> {
        RPCWriter<Other> { try await self.write(transform($0)) }
    }
}

/// A type-erased asynchronous sequence of messages received in a call. It throws
/// ``RPCError`` when the call fails.
public struct RPCAsyncSequence<Element: Sendable>: AsyncSequence, Sendable {
    private let makeIterator: @Sendable () -> AsyncIterator

    /// Wraps any sendable asynchronous sequence.
    public init<Base: AsyncSequence & Sendable>(wrapping base: Base) where Base.Element == Element {
        makeIterator = { AsyncIterator(base.makeAsyncIterator()) }
    }

    /// A sequence of the given elements.
    public static func elements(_ elements: [Element]) -> Self {
        let stream = AsyncThrowingStream<Element, any Error> { continuation in
            for element in elements { continuation.yield(element) }
            continuation.finish()
        }
        return Self(wrapping: stream)
    }

    public func makeAsyncIterator() -> AsyncIterator { makeIterator() }

    /// A sequence whose elements are transformed by a throwing function. The transform runs
    /// in the consumer's task, so its cancellation and errors reach the base sequence.
    public func map<Other: Sendable>(
        _ transform: @escaping @Sendable (Element) throws -> Other
    ) -> RPCAsyncSequence<Other> {
        compactMap(transform)
    }

    /// A sequence of the non-nil results of a throwing transform, evaluated lazily in the
    /// consumer's task.
    public func compactMap<Other: Sendable>(
        _ transform: @escaping @Sendable (Element) throws -> Other?
    ) -> RPCAsyncSequence<Other> {
        RPCAsyncSequence<Other>(wrapping: CompactMapped(base: self, transform: transform))
    }

    /// The iterator.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private var nextElement: () async throws -> Element?

        init<Base: AsyncIteratorProtocol>(_ base: Base) where Base.Element == Element {
            var base = base
            nextElement = { try await base.next() }
        }

        public mutating func next() async throws -> Element? {
            try await nextElement()
        }
    }
}

/// The lazy sequence behind ``RPCAsyncSequence/compactMap(_:)``.
private struct CompactMapped<Base: Sendable, Element: Sendable>: AsyncSequence, Sendable {
    let base: RPCAsyncSequence<Base>
    let transform: @Sendable (Base) throws -> Element?

    func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), transform: transform)
    }

    struct Iterator: AsyncIteratorProtocol {
        var base: RPCAsyncSequence<Base>.AsyncIterator
        let transform: @Sendable (Base) throws -> Element?

        mutating func next() async throws -> Element? {
            while let element = try await base.next() {
                if let transformed = try transform(element) { return transformed }
            }
            return nil
        }
    }
}
