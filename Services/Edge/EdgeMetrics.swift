public import ServiceHost
import Prometheus
import Synchronization

/// The node's series, refreshed at each scrape of the host's metrics endpoint (beside the
/// host's own `grpc_server_*` latency histograms and counters per method):
/// `lifelong_edge_snapshot_version`, `lifelong_edge_cloud_reachable`,
/// `lifelong_edge_last_sync_timestamp_seconds`, `lifelong_edge_buffered_unseen`,
/// `lifelong_edge_queued_uploads`, `lifelong_edge_samples_inferred_total`,
/// `lifelong_edge_samples_uploaded_total`, `lifelong_edge_samples_transfer_ratio`,
/// `lifelong_edge_unseen_total`, `lifelong_edge_unseen_rate`, `lifelong_edge_buffer_rejected_total`,
/// `lifelong_edge_buffer_dropped_total` and `lifelong_edge_task_requests_total{task}`.
public struct EdgeMetrics: Sendable {
    let edge: Edge
    let metrics: HostMetrics

    /// Creates the node's metrics on a host's registry.
    public init(edge: Edge, metrics: HostMetrics) {
        self.edge = edge
        self.metrics = metrics
    }

    private func gauge(_ name: String, _ help: String) -> Gauge {
        metrics.registry.makeGauge(descriptor: .init(namespace: "lifelong_edge", metricName: name, unitName: "", helpText: help))
    }

    /// Registers the series and their collector.
    public func register() {
        let registry = metrics.registry
        let version = gauge("snapshot_version", "Snapshot version served (0 = none synced yet).")
        let reachable = gauge("cloud_reachable", "1 when the last call to the gateway succeeded.")
        let lastSync = gauge("last_sync_timestamp_seconds", "Last successful sync, Unix seconds.")
        let buffered = gauge("buffered_unseen", "Unseen samples stored locally.")
        let queued = gauge("queued_uploads", "Buffered samples the egress policy lets upload.")
        let inferred = gauge("samples_inferred_total", "Samples answered since the store was created.")
        let uploaded = gauge("samples_uploaded_total", "Samples the cloud acknowledged.")
        let ratio = gauge("samples_transfer_ratio", "Samples uploaded / samples inferred.")
        let unseen = gauge("unseen_total", "Samples flagged unseen since start.")
        let unseenRate = gauge("unseen_rate", "Share of samples flagged unseen since start.")
        let rejected = gauge("buffer_rejected_total", "Unseen samples not stored because the buffer was full.")
        let dropped = gauge("buffer_dropped_total", "Buffered samples deleted to make room (drop-oldest).")
        let reported = Mutex<[String: Int64]>([:])
        let taskCounters = Mutex<[String: Counter]>([:])
        let edge = edge
        metrics.addCollector {
            guard let status = try? edge.state.status() else { return }
            let counts = edge.statistics.snapshot
            version.set(Double(status.snapshotVersion))
            reachable.set(counts.cloudReachable == true ? 1.0 : 0.0)
            lastSync.set(Double(status.lastSyncUs) / 1_000_000 as Double)
            buffered.set(Double(status.bufferedUnseen))
            queued.set(Double(status.queuedUploads))
            inferred.set(Double(status.samplesInferred))
            uploaded.set(Double(status.samplesUploaded))
            ratio.set(status.samplesTransferRatio)
            unseen.set(Double(counts.unseen))
            unseenRate.set(counts.inferred == 0 ? 0 : Double(counts.unseen) / Double(counts.inferred))
            rejected.set(Double(status.bufferRejected))
            dropped.set(Double(status.bufferDropped))
            for (task, count) in counts.perTask {
                let delta = reported.withLock { reported in
                    defer { reported[task] = count }
                    return count - (reported[task] ?? 0)
                }
                guard delta > 0 else { continue }
                let counter = taskCounters.withLock { counters in
                    if let counter = counters[task] { return counter }
                    let counter = registry.makeCounter(
                        descriptor: .init(namespace: "lifelong_edge", metricName: "task_requests", unitName: "total",
                                          helpText: "Samples answered per task since start (\"\" = no task)."),
                        labels: [("task", task)])
                    counters[task] = counter
                    return counter
                }
                counter.increment(by: delta)
            }
        }
    }
}
