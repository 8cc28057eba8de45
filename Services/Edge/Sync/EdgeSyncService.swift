import LifelongProto
import Logging
import RPCCore
public import ServiceLifecycle

/// The node's background sync as a lifecycle `Service`: a sync at start and every
/// `intervalSeconds`, and a watch of the gateway's `WatchSnapshots` that syncs as soon as a
/// newer version is announced (re-opened after each failure at the next interval). Stops on
/// graceful shutdown.
public struct EdgeSyncService: Service {
    let sync: EdgeSync
    let intervalSeconds: Double

    /// Creates the background sync.
    public init(sync: EdgeSync, intervalSeconds: Double) {
        self.sync = sync
        self.intervalSeconds = intervalSeconds
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await periodic() }
                group.addTask { await watch() }
                await group.waitForAll()
            }
        }
    }

    private var interval: Duration { .milliseconds(Int64(intervalSeconds * 1_000)) }

    private func periodic() async {
        while !Task.isCancelled {
            _ = await sync.syncOnce()
            try? await Task.sleep(for: interval)
        }
    }

    private func watch() async {
        while !Task.isCancelled {
            var request = Lifelong_V1_WatchSnapshotsRequest()
            request.jobId = sync.configuration.jobId
            request.fromVersion = sync.slot.current?.version ?? 0
            let sync = sync
            do {
                try await sync.gateway.watchSnapshots(request) { response in
                    for try await event in response.messages where (event.version?.version ?? 0) > (sync.slot.current?.version ?? 0) {
                        _ = await sync.syncOnce()
                    }
                }
            } catch {
                sync.logger.debug("snapshot watch ended", metadata: ["edge.error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
