import Logging
import Synchronization

/// Measures a run's publication mining (``SnapshotMining``) in the background while its task
/// units train: the plan unit predicts the snapshot the run will publish — the newest version
/// with every task it trains accepted — and asks task mining for its relations, groups and
/// detectors at once, on the spare core, instead of after the last task unit.
///
/// A prediction only: the answers are stored under their requests' ``MiningRequests/key``
/// (artifact `mined:<key>`), and the publication uses them only when its own requests have
/// that key — the same tasks, records, allocator, schema and sample range — else it asks task
/// mining itself (a task rejected by the gate, a version published meanwhile, an instance that
/// died). The background call is made once, without waiting for an unreachable task mining.
final class MiningPrefetch: Sendable {
    private let running = Mutex<[String: Task<Void, Never>]>([:])

    /// The artifact holding the answers to requests with this key.
    static func artifactName(_ key: String) -> String { "mined:\(key)" }

    /// Starts measuring for `run` in the background the requests `predict` makes.
    func start(
        run: String, store: RunStore, mining: TaskMiningAccess, logger: Logger,
        predict: @escaping @Sendable () async throws -> MiningRequests
    ) {
        var once = mining
        once.retry.waitsWhileUnreachable = false
        let task = Task {
            do {
                let requests = try await predict()
                let mined = try await SnapshotMining.measure(requests, mining: once, onWait: { _ in })
                try await store.putArtifact(Self.artifactName(requests.key), run: run, content: try mined.serializedBytes())
            } catch {
                logger.debug(
                    "measuring the publication's mining beside the task units failed; the publication asks task mining itself",
                    metadata: ["training.run": "\(run)", "training.error": "\(error)"])
            }
        }
        running.withLock { $0[run] = task }
        Task {
            await task.value
            running.withLock { if $0[run] == task { $0[run] = nil } }
        }
    }

    /// Waits until this instance's background measurement for `run`, if any, has ended.
    func wait(run: String) async {
        if let task = running.withLock({ $0[run] }) { await task.value }
    }
}
