import LifelongCore
import LifelongProto
import RPCCore
import Synchronization

/// An in-process stand-in for the gateway's edge calls (RegisterEdge, Heartbeat,
/// PullSnapshot, WatchSnapshots, UploadUnseen), hosted on loopback over real HTTP/2 by the
/// tests. It records what it received and can fail on request. Other calls: UNIMPLEMENTED.
final class GatewayDouble: Lifelong_V1_Gateway.SimpleServiceProtocol, Sendable {
    struct State: Sendable {
        var snapshots: [Int64: Lifelong_V1_TaskIndexSnapshot] = [:]
        var models: [String: [UInt8]] = [:]
        /// Samples stored, by key (a key is stored once).
        var received: [String: Lifelong_V1_Sample] = [:]
        /// Every sample key sent, duplicates included.
        var sentKeys: [String] = []
        /// The idempotency-key metadata of every upload call.
        var batchKeys: [String] = []
        /// Model digests sent by PullSnapshot, in order.
        var modelsSent: [String] = []
        /// Upload calls still to fail with UNAVAILABLE.
        var failUploads = 0
        /// Upload calls to fail after storing (the acknowledgement is lost).
        var loseAcknowledgements = 0
        /// PullSnapshot ends with UNAVAILABLE after this many models (nil: never).
        var cutAfterModels: Int?
        /// Digests whose bytes are sent corrupted.
        var corrupt: Set<String> = []
        var registered: [String] = []
        var heartbeats = 0
    }

    let state = Mutex(State())
    static let chunkBytes = 4_096

    /// Publishes `index` as `version`.
    func publish(_ index: TaskIndex, version: Int64) {
        state.withLock { state in
            state.snapshots[version] = EdgeFixtures.message(index, version: version)
            state.models.merge(index.modelBytes) { old, _ in old }
        }
    }

    private var latest: Int64 { state.withLock { $0.snapshots.keys.max() ?? 0 } }

    func registerEdge(request: Lifelong_V1_EdgeNode, context: ServerContext) async throws -> Lifelong_V1_RegisterEdgeResponse {
        state.withLock { $0.registered.append(request.name) }
        var response = Lifelong_V1_RegisterEdgeResponse()
        response.node = request
        response.latestVersion = latest
        return response
    }

    func heartbeat(request: Lifelong_V1_EdgeHeartbeat, context: ServerContext) async throws -> Lifelong_V1_HeartbeatResponse {
        state.withLock { $0.heartbeats += 1 }
        var response = Lifelong_V1_HeartbeatResponse()
        response.latestVersion = latest
        return response
    }

    func pullSnapshot(
        request: Lifelong_V1_PullSnapshotRequest, response: RPCWriter<Lifelong_V1_SnapshotBundlePart>, context: ServerContext
    ) async throws {
        let version = request.version == 0 ? latest : request.version
        let (snapshot, models, cut, corrupt) = state.withLock { ($0.snapshots[version], $0.models, $0.cutAfterModels, $0.corrupt) }
        guard let snapshot else { throw RPCError(code: .notFound, message: "version \(version)") }
        var part = Lifelong_V1_SnapshotBundlePart()
        part.part = .snapshot(snapshot)
        try await response.write(part)
        let have = Set(request.haveModels)
        let index = try TaskIndex(snapshot: snapshot, models: models)
        var sent = 0
        for digest in index.models.keys.sorted() where !have.contains(digest) {
            if let cut, sent >= cut {
                // Let the bytes already written reach the node before the stream fails (see docs/edge.md).
                try await Task.sleep(for: .milliseconds(200))
                throw RPCError(code: .unavailable, message: "the cloud went away")
            }
            var bytes = models[digest] ?? []
            if corrupt.contains(digest) { bytes[bytes.count / 2] ^= 0xFF }
            for start in stride(from: 0, to: bytes.count, by: Self.chunkBytes) {
                var chunk = Lifelong_V1_ModelChunk()
                if start == 0 {
                    var metadata = Lifelong_V1_ModelMetadata()
                    var reference = Lifelong_V1_ModelReference()
                    reference.sha256 = digest
                    reference.sizeBytes = Int64(bytes.count)
                    metadata.reference = reference
                    chunk.metadata = metadata
                }
                chunk.data = Array(bytes[start..<min(start + Self.chunkBytes, bytes.count)])
                part.part = .modelChunk(chunk)
                try await response.write(part)
            }
            state.withLock { $0.modelsSent.append(digest) }
            sent += 1
        }
    }

    func watchSnapshots(
        request: Lifelong_V1_WatchSnapshotsRequest, response: RPCWriter<Lifelong_V1_SnapshotEvent>, context: ServerContext
    ) async throws {
        var announced = request.fromVersion
        while !Task.isCancelled {
            let current = latest
            if current > announced {
                var event = Lifelong_V1_SnapshotEvent()
                var version = Lifelong_V1_SnapshotVersion()
                version.version = current
                event.version = version
                try await response.write(event)
                announced = current
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func uploadUnseen(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse {
        let batchKey = context.metadata[stringValues: "idempotency-key"].first ?? ""
        var samples: [Lifelong_V1_Sample] = []
        for try await batch in request { samples += batch.samples }
        return try state.withLock { state in
            state.batchKeys.append(batchKey)
            if state.failUploads > 0 {
                state.failUploads -= 1
                throw RPCError(code: .unavailable, message: "upload refused")
            }
            var response = Lifelong_V1_AddSamplesResponse()
            for sample in samples {
                state.sentKeys.append(sample.key)
                if state.received[sample.key] == nil {
                    state.received[sample.key] = sample
                    response.inserted += 1
                } else {
                    response.duplicates += 1
                }
            }
            if state.loseAcknowledgements > 0 {
                state.loseAcknowledgements -= 1
                throw RPCError(code: .unavailable, message: "connection lost before the reply")
            }
            return response
        }
    }

    private func unimplemented() -> RPCError { RPCError(code: .unimplemented, message: "not in the gateway double") }

    func createJob(request: Lifelong_V1_JobSpec, context: ServerContext) async throws -> Lifelong_V1_Job { throw unimplemented() }
    func getJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job { throw unimplemented() }
    func listJobs(request: Lifelong_V1_ListJobsRequest, context: ServerContext) async throws -> Lifelong_V1_ListJobsResponse {
        throw unimplemented()
    }
    func watchJob(
        request: Lifelong_V1_GetJobRequest, response: RPCWriter<Lifelong_V1_JobProgressEvent>, context: ServerContext
    ) async throws { throw unimplemented() }
    func triggerTraining(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job { throw unimplemented() }
    func ingestSamples(
        request: RPCAsyncSequence<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws -> Lifelong_V1_AddSamplesResponse { throw unimplemented() }
    func listUnlabelled(
        request: Lifelong_V1_ListSamplesRequest, response: RPCWriter<Lifelong_V1_SampleBatch>, context: ServerContext
    ) async throws { throw unimplemented() }
    func labelSamples(request: Lifelong_V1_AttachLabelsRequest, context: ServerContext) async throws -> Lifelong_V1_AttachLabelsResponse {
        throw unimplemented()
    }
    func getReport(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Report { throw unimplemented() }
    func pauseJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job { throw unimplemented() }
    func resumeJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_Job { throw unimplemented() }
    func deleteJob(request: Lifelong_V1_GetJobRequest, context: ServerContext) async throws -> Lifelong_V1_DeleteJobResponse {
        throw unimplemented()
    }
    func listEdges(request: Lifelong_V1_ListEdgesRequest, context: ServerContext) async throws -> Lifelong_V1_ListEdgesResponse {
        throw unimplemented()
    }
}
