import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UploadSpool {
    /// An anonymous temporary file: made with `mkstemp` and unlinked at once, so it lives
    /// exactly as long as its descriptor, which this object owns and closes.
    ///
    /// `Sendable`: its only state is the descriptor, and positioned reads and writes
    /// (`pread`/`pwrite`) need no shared file offset.
    final class File: Sendable {
        private let descriptor: Int32
        /// Writes leave the caller's thread for this queue: disk I/O does not belong on
        /// Swift's cooperative pool.
        private static let io = DispatchQueue(label: "lifelong.kb.upload-spool", attributes: .concurrent)

        init(directory: String) throws {
            var template = Array("\(directory)/upload-XXXXXX".utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else { throw Self.failure("created") }
            _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
            self.descriptor = descriptor
        }

        deinit {
            close(descriptor)
        }

        /// Writes all of `bytes` at `offset`, on the spool's I/O queue.
        func write(_ bytes: [UInt8], at offset: Int64) async throws {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Self.io.async {
                    continuation.resume(with: Result { try self.writeBlocking(bytes, at: offset) })
                }
            }
        }

        private func writeBlocking(_ bytes: [UInt8], at offset: Int64) throws {
            try bytes.withUnsafeBytes { buffer in
                var done = 0
                while done < buffer.count {
                    let count = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw Self.failure("written")
                    }
                    done += count
                }
            }
        }

        /// Reads `count` bytes at `offset`; blocks (call it on a thread that may block).
        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                while initialized < count {
                    let got = pread(descriptor, buffer.baseAddress! + initialized, count - initialized, off_t(offset) + off_t(initialized))
                    if got < 0 {
                        if errno == EINTR { continue }
                        throw Self.failure("read")
                    }
                    guard got > 0 else {
                        throw KnowledgeBaseError(.internalError, "the upload spool file ended early")
                    }
                    initialized += got
                }
            }
        }

        private static func failure(_ action: String) -> KnowledgeBaseError {
            KnowledgeBaseError(
                .resourceExhausted, "the upload spool file could not be \(action): \(String(cString: strerror(errno)))")
        }
    }
}
