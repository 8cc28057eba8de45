import LifelongProto
import RPCCore

/// Downloads a snapshot through the gateway's `PullSnapshot`: the snapshot first, then the
/// chunks of the models the node does not hold (it names those it has, so they are not sent).
/// Each model is verified (SHA-256 and size) and stored as soon as its last chunk arrives, so an
/// interrupted download resumes from the first model not yet stored. The snapshot is
/// installed only when every model it references is stored.
struct SnapshotPuller: Sendable {
    let gateway: Lifelong_V1_Gateway.Client
    let installer: SnapshotInstaller
    let store: EdgeStore
    let configuration: EdgeConfiguration

    /// Pulls `version` (0 = latest) and installs it.
    /// - Returns: The version installed.
    /// - Throws: ``EdgeError`` for a bundle that is inconsistent, RPC errors when the gateway
    ///   fails; the served snapshot is unchanged then.
    func pull(version: Int64) async throws -> Int64 {
        var request = Lifelong_V1_PullSnapshotRequest()
        request.jobId = configuration.jobId
        request.node = configuration.node
        request.version = version
        request.haveModels = try store.modelDigests().sorted()
        let installer = installer
        let snapshot: Lifelong_V1_TaskIndexSnapshot = try await gateway.pullSnapshot(request, options: configuration.sync.callOptions) { response in
            var snapshot: Lifelong_V1_TaskIndexSnapshot?
            var download: ModelDownload?
            for try await part in response.messages {
                switch part.part {
                case .snapshot(let message)?:
                    guard snapshot == nil else { throw EdgeError(.internalError, "PullSnapshot: a second snapshot in one bundle") }
                    snapshot = message
                case .modelChunk(let chunk)?:
                    guard snapshot != nil else { throw EdgeError(.internalError, "PullSnapshot: a model chunk before the snapshot") }
                    if let reference = chunk.metadata?.reference, !reference.sha256.isEmpty {
                        try download?.finish(installer)
                        download = ModelDownload(reference: reference)
                    }
                    guard download != nil else { throw EdgeError(.internalError, "PullSnapshot: model data without its metadata") }
                    download?.bytes += chunk.data
                    // Stored as soon as it is whole, so a stream cut after it does not lose it.
                    if let whole = download, whole.isComplete {
                        try whole.finish(installer)
                        download = nil
                    }
                case nil:
                    break
                }
            }
            try download?.finish(installer)
            guard let snapshot else { throw EdgeError(.internalError, "PullSnapshot: the bundle had no snapshot") }
            return snapshot
        }
        guard snapshot.jobId == configuration.jobId else {
            throw EdgeError(.internalError, "PullSnapshot: the gateway sent a snapshot of job '\(snapshot.jobId)', this node serves '\(configuration.jobId)'")
        }
        // Decoding the models and committing the snapshot run on the store's thread.
        try await store.perform { _ in try installer.install(snapshot) }
        return snapshot.version
    }

    /// One model being received.
    private struct ModelDownload {
        let reference: Lifelong_V1_ModelReference
        var bytes: [UInt8] = []

        /// Whether every announced byte arrived.
        var isComplete: Bool { reference.sizeBytes > 0 && Int64(bytes.count) == reference.sizeBytes }

        func finish(_ installer: SnapshotInstaller) throws {
            guard reference.sizeBytes == 0 || Int64(bytes.count) == reference.sizeBytes else {
                throw EdgeError(.internalError, "model \(reference.sha256): \(bytes.count) bytes received, \(reference.sizeBytes) announced")
            }
            try installer.storeModel(digest: reference.sha256, bytes: bytes)
        }
    }
}
