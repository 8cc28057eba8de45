import Edge
import Testing

extension EdgeSuites {
    @Suite("The SQLite store: quota, upload batches, durability")
    struct StoreTests {
        func samples(_ prefix: String, _ count: Int, bytes: Int = 100) -> [EdgeStore.NewSample] {
            (0..<count).map { EdgeStore.NewSample(key: "\(prefix)\($0)", message: [UInt8](repeating: 7, count: bytes), observedAtUs: Int64($0)) }
        }

        @Test("A full buffer with reject-new keeps the old samples and counts the rejected ones")
        func rejectNew() async throws {
            try await TemporaryStore.with { path async throws in
                let store = try EdgeStore(path: path)
                let quota = BufferQuota(maximumBytes: 1_000, maximumSamples: 100, behavior: .rejectNew)
                let outcome = try store.buffer(samples("a", 12), inferred: 12, quota: quota)
                #expect(outcome.stored == 10 && outcome.rejected == 2 && outcome.dropped == 0)
                #expect(try store.counters()[.bufferRejected] == 2)
                let batch = try #require(try store.nextBatch(limit: 100, nowUs: 0) { "b\($0)" })
                #expect(batch.samples.map(\.key) == (0..<10).map { "a\($0)" })
            }
        }

        @Test("A full buffer with drop-oldest deletes the oldest unbatched samples and counts them")
        func dropOldest() async throws {
            try await TemporaryStore.with { path async throws in
                let store = try EdgeStore(path: path)
                let quota = BufferQuota(maximumBytes: 100_000, maximumSamples: 5, behavior: .dropOldest)
                try store.buffer(samples("a", 5), inferred: 5, quota: quota)
                let inFlight = try #require(try store.nextBatch(limit: 2, nowUs: 0) { "b\($0)" })
                let outcome = try store.buffer(samples("n", 2), inferred: 2, quota: quota)
                #expect(outcome.stored == 2 && outcome.dropped == 2 && outcome.rejected == 0)
                #expect(try store.counters()[.bufferDropped] == 2)
                try store.acknowledge(inFlight, audit: .init(atUs: 1, batchKey: inFlight.key, samples: 2, bytes: 200, policy: "ALL",
                                                             sampleKeys: inFlight.samples.map(\.key), outcome: "ok"))
                let rest = try #require(try store.nextBatch(limit: 10, nowUs: 0) { "b\($0)" })
                #expect(rest.samples.map(\.key) == ["a4", "n0", "n1"], "a0, a1 in flight and uploaded; a2, a3 dropped")
            }
        }

        @Test("Duplicate keys are stored once; everything survives reopening; WAL mode")
        func durability() async throws {
            try await TemporaryStore.with { path async throws in
                do {
                    let store = try EdgeStore(path: path)
                    let outcome = try store.buffer(samples("a", 3) + samples("a", 1), inferred: 4, quota: BufferQuota())
                    #expect(outcome.stored == 3 && outcome.duplicates == 1)
                    _ = try store.nextBatch(limit: 2, nowUs: 0) { "batch-\($0)" }
                }
                let reopened = try EdgeStore(path: path)
                #expect(try reopened.bufferUsage().samples == 3)
                let batch = try #require(try reopened.nextBatch(limit: 2, nowUs: 0) { "other-\($0)" })
                #expect(batch.key == "batch-1", "the open batch is resent under its key")
                #expect(try reopened.counters()[.samplesInferred] == 4)
                #expect(try reopened.journalMode() == "wal")
            }
        }
    }
}
