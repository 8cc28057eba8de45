import Testing

@Suite("memory over many short connections")
struct ConnectionChurnTests {
    /// The server in its own process; connection_churn.py opens 500 connections (one Echo each)
    /// to warm up, then two batches of 5,000, reading the server's VmRSS after each. Before
    /// handlers were freed on close, each closed connection kept about 22 KiB (110 MiB a
    /// batch); the bound is 2 MiB over the second batch. A leak grows RSS in every batch; the
    /// allocator's one-time growth under load does not repeat: a CI run beside other suites
    /// once saw 2.1 MiB over a single batch, and the same server beside two busy loops read
    /// 28,440 KiB warm, then 30,008 / 29,968 / 29,996 KiB after three batches (then 29,800
    /// after each of three more, beside four).
    @Test("2 × 5,000 connections opened and closed, one call each: RSS grows at most 2 MiB over the second 5,000")
    func churn() async throws {
        let server = try await ServerProcess()
        let result = try await PythonPeer.run(
            "connection_churn.py",
            arguments: ["127.0.0.1:\(server.port)", "--pid", String(server.pid), "--warmup", "500",
                        "--connections", "5000", "--batches", "2", "--max-growth-mib", "2"])
        await server.stop()
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("RSS warm="), "\(result.output)")
    }
}
