import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where PutModel uploads wait, on local disk, until their last chunk arrived and their
/// SHA-256 and size were verified: only then is a database connection taken, for one short
/// transaction. So a client that sends slowly, or stops, holds a file and part of a byte
/// budget — never a pooled connection, a transaction or a lock.
///
/// Each upload reserves its declared size from ``budget`` when it starts and gives it back
/// when its ``Entry`` is released; the file is unlinked as soon as it is made, so it
/// disappears with its descriptor, even when the process is killed.
public final class UploadSpool: Sendable {
    /// The spool's directory.
    public let directory: String
    /// Bytes reserved by all uploads in progress, at most.
    public let budget: Int64

    private let state = Mutex(State())

    private struct State {
        var uploads = 0
        var reservedBytes: Int64 = 0
        var spooledBytes: Int64 = 0
        var directoryReady = false
    }

    /// `$TMPDIR/lifelong-kb-spool`, else `/tmp/lifelong-kb-spool`.
    public static var defaultDirectory: String {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        return (base.hasSuffix("/") ? base : base + "/") + "lifelong-kb-spool"
    }

    /// Creates a spool; the directory is created at the first upload.
    /// - Parameters:
    ///   - directory: Where the files go.
    ///   - budget: Bytes all uploads may reserve together.
    public init(directory: String, budget: Int64) {
        self.directory = directory
        self.budget = budget
    }

    /// What the spool holds now.
    public struct Statistics: Sendable, Hashable {
        /// Uploads with a spool file.
        public var uploads: Int
        /// Bytes they reserved (their declared sizes).
        public var reservedBytes: Int64
        /// Bytes written to their files so far.
        public var spooledBytes: Int64

        /// Creates statistics (for comparisons in tests).
        public init(uploads: Int, reservedBytes: Int64, spooledBytes: Int64) {
            self.uploads = uploads
            self.reservedBytes = reservedBytes
            self.spooledBytes = spooledBytes
        }
    }

    /// A snapshot of the spool's use, for tests and metrics.
    public var statistics: Statistics {
        state.withLock { Statistics(uploads: $0.uploads, reservedBytes: $0.reservedBytes, spooledBytes: $0.spooledBytes) }
    }

    /// Opens a spool file for an upload of `bytes` bytes, reserving them.
    /// - Throws: ``KnowledgeBaseError``: RESOURCE_EXHAUSTED naming `uploadSpoolBytes` when the
    ///   budget has no room, or when the spool file cannot be made.
    func open(reserving bytes: Int64) throws -> Entry {
        try state.withLock { state in
            guard bytes <= budget else {
                throw KnowledgeBaseError(
                    .resourceExhausted,
                    "metadata.reference.size_bytes is \(bytes); uploads are spooled and the spool holds at most \(budget) bytes (uploadSpoolBytes)")
            }
            guard state.reservedBytes + bytes <= budget else {
                throw KnowledgeBaseError(
                    .resourceExhausted,
                    "the upload spool is full: \(state.reservedBytes) of \(budget) bytes (uploadSpoolBytes) are reserved by uploads in progress and this model needs \(bytes); retry later")
            }
            state.reservedBytes += bytes
            state.uploads += 1
        }
        do {
            try prepareDirectory()
            return Entry(spool: self, file: try File(directory: directory), reservedBytes: bytes)
        } catch {
            release(reservedBytes: bytes, spooledBytes: 0)
            throw error
        }
    }

    private func prepareDirectory() throws {
        guard !state.withLock({ $0.directoryReady }) else { return }
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw KnowledgeBaseError(
                .resourceExhausted, "the upload spool directory cannot be created: \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.directoryReady = true }
    }

    fileprivate func spooled(_ bytes: Int) {
        state.withLock { $0.spooledBytes += Int64(bytes) }
    }

    fileprivate func release(reservedBytes: Int64, spooledBytes: Int64) {
        state.withLock { state in
            state.uploads -= 1
            state.reservedBytes -= reservedBytes
            state.spooledBytes -= spooledBytes
        }
    }

    /// One upload's place in the spool: its file and its reservation, both given back when
    /// the entry is released.
    final class Entry: Sendable {
        private let spool: UploadSpool
        /// The file; its bytes are written in order by the receiving task, then read by the
        /// storing one (never both at once).
        let file: File
        private let reservedBytes: Int64
        private let written = Atomic<Int64>(0)

        fileprivate init(spool: UploadSpool, file: File, reservedBytes: Int64) {
            self.spool = spool
            self.file = file
            self.reservedBytes = reservedBytes
        }

        deinit {
            spool.release(reservedBytes: reservedBytes, spooledBytes: written.load(ordering: .relaxed))
        }

        /// Bytes written so far.
        var size: Int64 { written.load(ordering: .relaxed) }

        /// Appends bytes to the file, off Swift's cooperative threads.
        /// - Throws: ``KnowledgeBaseError`` RESOURCE_EXHAUSTED when the disk refuses them.
        func append(_ bytes: [UInt8]) async throws {
            guard !bytes.isEmpty else { return }
            let offset = size
            try await file.write(bytes, at: offset)
            written.add(Int64(bytes.count), ordering: .relaxed)
            spool.spooled(bytes.count)
        }
    }
}
