import LifelongProto
import PostgresClient
import RPCCore

/// WatchSnapshots: sends every version after the requested one, then each new one as
/// PostgreSQL announces it (LISTEN/NOTIFY). A notification only wakes the watcher, which
/// then reads what is new from the table — so nothing is lost to a dropped notification,
/// and a listener reconnection (after PostgreSQL was away) triggers the same catch-up.
struct SnapshotWatcher: Sendable {
    let snapshots: SnapshotStore
    let listener: PostgresListener
    let limits: KnowledgeBaseConfiguration.Limits

    /// Streams events until the client cancels or the service shuts down.
    /// - Throws: ``KnowledgeBaseError``: INVALID_ARGUMENT; UNAVAILABLE when PostgreSQL is
    ///   unreachable at the start.
    func watch(_ request: Lifelong_V1_WatchSnapshotsRequest, to writer: RPCWriter<Lifelong_V1_SnapshotEvent>) async throws {
        try Validation.identifier(request.jobId, field: "job_id", limits: limits)
        guard request.fromVersion >= 0 else {
            throw KnowledgeBaseError.invalid("from_version must be >= 0, got \(request.fromVersion)")
        }
        // Subscribe before the first read, so a version published in between is announced.
        let events = listener.events()
        var last = request.fromVersion
        try await catchUp(request, after: &last, writer: writer)
        for await event in events {
            switch event {
            case .listening:
                break
            case .notification(let notification):
                guard let (version, jobID) = Self.parse(notification.payload), jobID == request.jobId, version > last
                else { continue }
            }
            do {
                try await catchUp(request, after: &last, writer: writer)
            } catch let error as KnowledgeBaseError where error.code == .unavailable {
                // PostgreSQL went away between the wake-up and the read: the listener's next
                // reconnection wakes us again.
                continue
            }
        }
    }

    private func catchUp(
        _ request: Lifelong_V1_WatchSnapshotsRequest, after last: inout Int64, writer: RPCWriter<Lifelong_V1_SnapshotEvent>
    ) async throws {
        let page = 100
        while true {
            let versions: [Lifelong_V1_SnapshotVersion]
            do {
                versions = try await snapshots.versions(jobID: request.jobId, after: last, limit: page)
            } catch {
                throw KnowledgeBaseError.classify(error)
            }
            for version in versions {
                var event = Lifelong_V1_SnapshotEvent()
                event.version = version
                if request.includeSnapshot {
                    event.snapshot = try await snapshots.get(jobID: request.jobId, version: version.version)
                }
                try await writer.write(event)
                last = version.version
            }
            if versions.count < page { return }
        }
    }

    /// `"<version>:<job id>"`.
    static func parse(_ payload: String) -> (Int64, String)? {
        guard let colon = payload.firstIndex(of: ":"), let version = Int64(payload[..<colon]) else { return nil }
        return (version, String(payload[payload.index(after: colon)...]))
    }
}
