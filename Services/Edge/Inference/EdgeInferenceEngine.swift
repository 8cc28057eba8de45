import FoundationEssentials
public import LifelongCore
import LifelongProto

/// Predicts batches through the snapshot's `TaskIndexPredictor` and commits the unseen samples
/// to the store before the answer is returned. Shared by every front end.
///
/// The per-sample step allocates nothing: a batch's features are checked into one matrix, and
/// each sample is predicted into its row of one probability matrix.
public struct EdgeInferenceEngine: Sendable {
    /// One answered batch: the snapshot that answered, and one prediction and key per input.
    public struct Answer: Sendable {
        /// The snapshot that answered every sample of the batch.
        public var snapshot: LoadedSnapshot
        /// Predictions in input order.
        public var predictions: [TaskIndexPredictor.Prediction]
        /// Class probabilities, row-major: sample i's at `i * classes ..< (i + 1) * classes`.
        public var probabilities: [Float]
        /// The inputs' keys, echoed.
        public var keys: [String]

        /// Probabilities per sample.
        public var classes: Int { snapshot.predictor.outputCount }

        /// Sample `i`'s class probabilities.
        public func probabilities(of i: Int) -> ArraySlice<Float> { probabilities[i * classes..<(i + 1) * classes] }

        /// The name of sample `i`'s task, nil when it was allocated to none.
        public func taskName(of i: Int) -> String? { predictions[i].task.map { snapshot.predictor.taskNames[$0] } }
    }

    let store: EdgeStore
    let slot: SnapshotSlot
    let configuration: EdgeConfiguration
    let statistics: EdgeStatistics

    /// Creates an engine.
    public init(store: EdgeStore, slot: SnapshotSlot, configuration: EdgeConfiguration, statistics: EdgeStatistics) {
        self.store = store
        self.slot = slot
        self.configuration = configuration
        self.statistics = statistics
    }

    /// The snapshot served now.
    /// - Throws: ``EdgeError`` UNAVAILABLE when none was ever synced.
    public func currentSnapshot() throws -> LoadedSnapshot {
        guard let snapshot = slot.current else { throw EdgeError.noSnapshot }
        return snapshot
    }

    /// Checks the batch's size.
    /// - Throws: ``EdgeError`` RESOURCE_EXHAUSTED naming `field` when it is over the limit.
    public func checkBatchSize(_ count: Int, field: String) throws {
        let limit = configuration.limits.maximumBatchSamples
        guard count <= limit else {
            throw EdgeError(.resourceExhausted, "\(field): \(count) samples; the limit is \(limit) per request")
        }
    }

    /// Predicts a batch on one snapshot; the unseen samples are committed to the store
    /// before this returns.
    /// - Parameters:
    ///   - inputs: The samples.
    ///   - snapshot: The snapshot to answer with (the current one by default).
    ///   - field: The request field of sample `i`'s part, for error messages.
    /// - Throws: ``EdgeError`` for bad input (nothing is predicted or stored then), no snapshot,
    ///   or a store failure.
    public func infer(
        _ inputs: [EdgeSampleInput], on snapshot: LoadedSnapshot? = nil, field: (Int, String) -> String
    ) async throws -> Answer {
        let snapshot = try snapshot ?? currentSnapshot()
        let checked = try SampleChecker(snapshot: snapshot).check(inputs, field: field)
        let predictor = snapshot.predictor, width = checked.width, classes = predictor.outputCount
        var probabilities = [Float](repeating: 0, count: inputs.count * classes)
        var predictions: [TaskIndexPredictor.Prediction] = []
        predictions.reserveCapacity(inputs.count)
        try checked.features.withUnsafeBufferPointer { features in
            try probabilities.withUnsafeMutableBufferPointer { output in
                for row in 0..<inputs.count {
                    predictions.append(
                        try predictor.predict(
                            features: UnsafeBufferPointer(rebasing: features[row * width..<(row + 1) * width]),
                            attributes: checked.attributes[row],
                            probabilities: UnsafeMutableBufferPointer(rebasing: output[row * classes..<(row + 1) * classes])))
                }
            }
        }
        let answer = Answer(snapshot: snapshot, predictions: predictions, probabilities: probabilities, keys: inputs.map(\.key))
        let unseen = predictions.indices.filter { predictions[$0].unseen }
        var flushed = false
        if !unseen.isEmpty {
            let nowUs = Int64(Date().timeIntervalSince1970 * 1_000_000)
            let samples = try unseen.map { i in
                try bufferedSample(inputs[i], task: answer.taskName(of: i), snapshot: snapshot, nowUs: nowUs)
            }
            let earlier = statistics.takeUnflushed()
            let inferred = Int(earlier) + inputs.count
            let quota = configuration.quota
            do {
                _ = try await store.perform { try $0.buffer(samples, inferred: inferred, quota: quota) }
            } catch {
                statistics.restoreUnflushed(earlier)
                throw error
            }
            flushed = true
        }
        statistics.record(tasks: predictions.indices.map(answer.taskName(of:)), unseen: unseen.count, flushed: flushed)
        return answer
    }

    /// Adds the inferred samples counted in memory since the last commit to the store's
    /// counter (batches without unseen samples write nothing, so they are counted here).
    public func flushInferred() {
        let pending = statistics.takeUnflushed()
        guard pending > 0 else { return }
        do { try store.add([.samplesInferred: pending]) } catch { statistics.restoreUnflushed(pending) }
    }

    /// The unseen sample as the cloud will receive it (before the egress policy's redaction).
    private func bufferedSample(
        _ input: EdgeSampleInput, task: String?, snapshot: LoadedSnapshot, nowUs: Int64
    ) throws -> EdgeStore.NewSample {
        var sample = Lifelong_V1_Sample()
        sample.key = "\(configuration.node)/\(input.key.isEmpty ? UUID().uuidString.lowercased() : input.key)"
        sample.jobId = snapshot.jobId
        sample.taskName = task ?? ""
        sample.kind = .unseen
        sample.features = input.features
        sample.attributes = input.attributes
        sample.edgeNode = configuration.node
        sample.observedAtUs = nowUs
        return EdgeStore.NewSample(key: sample.key, message: try sample.serializedBytes(), observedAtUs: nowUs)
    }
}
