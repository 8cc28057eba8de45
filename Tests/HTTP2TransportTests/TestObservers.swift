import HTTP2Transport
import Logging
import Synchronization

/// Counts what an ``HTTP2Server`` reports to its observer.
final class CountingObserver: HTTP2ServerObserver {
    struct Counts: Sendable, Equatable {
        var opened = 0
        var closed = 0
        var received = 0
        var sent = 0
    }

    private let state = Mutex(Counts())

    var counts: Counts { state.withLock { $0 } }

    func connectionOpened() { state.withLock { $0.opened += 1 } }
    func connectionClosed() { state.withLock { $0.closed += 1 } }
    func bytesReceived(_ count: Int) { state.withLock { $0.received += count } }
    func bytesSent(_ count: Int) { state.withLock { $0.sent += count } }
}

/// Keeps every log record (all levels), for tests that check what was logged.
struct RecordingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    /// The records of every logger made from it.
    final class Store: Sendable {
        private let records = Mutex<[Record]>([])
        var all: [Record] { records.withLock { $0 } }
        func append(_ record: Record) { records.withLock { $0.append(record) } }

        /// A logger that records here.
        func logger() -> Logger {
            Logger(label: "test", factory: { _ in RecordingLogHandler(store: self) })
        }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(store: Store) {
        self.store = store
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
        store.append(Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
    }
}
