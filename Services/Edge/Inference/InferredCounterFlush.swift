import ServiceLifecycle

/// Writes the inferred-samples counter kept in memory to the store every `intervalSeconds`
/// and once more at graceful shutdown, so the count (and the transfer ratio the egress policy
/// bounds) survives restarts without a write per request. A crash loses at most one interval.
struct InferredCounterFlush: Service {
    let engine: EdgeInferenceEngine
    let intervalSeconds: Double

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int64(intervalSeconds * 1_000)))
                engine.flushInferred()
            }
        }
        engine.flushInferred()
    }
}
