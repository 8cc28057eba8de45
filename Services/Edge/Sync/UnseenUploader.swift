import FoundationEssentials
import LifelongProto
import RPCCore

/// Sends buffered unseen samples to the gateway's `UploadUnseen` in batches, as the egress
/// policy allows. A batch keeps its samples and idempotency key until the gateway
/// acknowledges it; then, and only then, its samples are deleted and the upload audited.
/// A failed batch is retried with exponential backoff (same key, same samples).
struct UnseenUploader: Sendable {
    let gateway: Lifelong_V1_Gateway.Client
    let store: EdgeStore
    let slot: SnapshotSlot
    let configuration: EdgeConfiguration
    let egress: EgressSetting

    /// What one round of uploads did.
    struct Outcome: Sendable {
        var uploaded: Int64 = 0
        var withheld: Int64 = 0
    }

    /// Uploads every batch that is due and allowed.
    /// - Throws: The RPC error of a failed batch (recorded for retry first).
    func uploadDue(now: @Sendable () -> Date = Date.init) async throws -> Outcome {
        var outcome = Outcome()
        while true {
            let rules = egress.current
            guard rules.allowsUploads else {
                outcome.withheld = try store.bufferUsage().samples
                break
            }
            let counters = try store.counters()
            let inflight = try store.samplesInFlight()
            let allowance = rules.allowance(
                inferred: counters[.samplesInferred] ?? 0, committed: (counters[.samplesUploaded] ?? 0) + inflight, now: now())
            let limit = Int(min(Int64(configuration.sync.uploadBatchSamples), allowance))
            let nowUs = Int64(now().timeIntervalSince1970 * 1_000_000)
            // An open batch is resent whatever the allowance: its samples were already counted.
            guard rules.isInsideWindow(now()),
                  let batch = try store.nextBatch(limit: limit, nowUs: nowUs, makeKey: { "\(configuration.node)/batch-\(nowUs)-\($0)" })
            else {
                outcome.withheld = try store.bufferUsage().samples - inflight
                break
            }
            try await send(batch, rules: rules, nowUs: nowUs)
            outcome.uploaded += Int64(batch.samples.count)
        }
        return outcome
    }

    private func send(_ batch: EdgeStore.UploadBatch, rules: EgressRules, nowUs: Int64) async throws {
        let featureNames = slot.current?.predictor.encoding.features.map(\.name) ?? []
        var message = Lifelong_V1_SampleBatch()
        var bytes: Int64 = 0
        for sample in batch.samples {
            let redacted = rules.redact(try Lifelong_V1_Sample(serializedBytes: sample.message), featureNames: featureNames)
            bytes += Int64(try redacted.serializedBytes().count)
            message.samples.append(redacted)
        }
        let batchMessage = message
        var metadata = Metadata()
        metadata.addString(batch.key, forKey: "idempotency-key")
        let response: Lifelong_V1_AddSamplesResponse
        do {
            response = try await gateway.uploadUnseen(metadata: metadata, options: configuration.sync.callOptions) { writer in try await writer.write(batchMessage) }
        } catch {
            let backoff = min(
                configuration.sync.maximumBackoffSeconds, configuration.sync.initialBackoffSeconds * Double(1 << min(batch.attempts, 30)))
            try store.recordFailure(of: batch, error: "\(error)", nextAttemptUs: nowUs + Int64(backoff * 1_000_000))
            throw error
        }
        let audit = EdgeStore.AuditRecord(
            atUs: nowUs, batchKey: batch.key, samples: Int64(batch.samples.count), bytes: bytes, policy: rules.summary,
            sampleKeys: batch.samples.map(\.key), outcome: "acknowledged inserted=\(response.inserted) duplicates=\(response.duplicates)")
        try store.acknowledge(batch, audit: audit)
    }
}
