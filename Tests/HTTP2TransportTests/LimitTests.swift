import Testing

/// Each limit of ``HTTP2ServerConfiguration`` hit by a raw HTTP/2 peer (limits_client.py) against
/// `rpc-benchmark-server` in its own process, configured with short limits so that the cases
/// run in seconds and the elapsed times show the configured values (the defaults are minutes
/// and hours). Around every case a grpcio client connected before keeps calling with zero
/// errors, and the server's RSS peak is bounded.
@Suite("server limits, hit by a peer", .serialized)
struct LimitTests {
    static func run(
        limits: [String], cases: [String], maxGrowthMiB: Int
    ) async throws -> [String] {
        let server = try await ServerProcess(limits: limits)
        let result = try await PythonPeer.run(
            "limits_client.py",
            arguments: [
                "127.0.0.1:\(server.port)", "--pid", String(server.pid), "--max-rss-growth-mib", String(maxGrowthMiB),
                "--cases", cases.joined(separator: ","),
            ])
        let exitStatus = await server.stop()
        let lines = result.output.split(separator: "\n").map(String.init)
        for name in cases {
            #expect(
                lines.contains { $0.hasPrefix("PASS \(name) ") },
                "\(name): \(lines.first { $0.hasPrefix("FAIL \(name)") } ?? "no result")")
        }
        #expect(result.status == 0, "limits_client.py exited \(result.status):\n\(result.output)")
        #expect(exitStatus == 0, "the server exited with \(exitStatus)")
        return lines
    }

    @Test("per-call time limits: request receive time, time with a window of 0")
    func callTimeLimits() async throws {
        _ = try await Self.run(
            limits: ["maxRequestReceiveTime=1000", "maxZeroWindowTime=1000"],
            cases: ["request_receive_time", "zero_window"], maxGrowthMiB: 16)
    }

    @Test("per-connection byte limits: pending inbound and outbound bytes")
    func byteLimits() async throws {
        _ = try await Self.run(
            limits: ["maxPendingInboundBytesPerConnection=1048576", "maxPendingOutboundBytesPerConnection=262144"],
            cases: ["pending_inbound", "pending_outbound"], maxGrowthMiB: 16)
    }

    @Test("connection limits: keepalive PINGs close a silent peer, maximum age with its grace period")
    func connectionLimits() async throws {
        _ = try await Self.run(
            limits: [
                "maxConnectionAge=4000", "maxConnectionAgeGrace=1000", "keepaliveInterval=1000", "keepaliveTimeout=500",
            ],
            cases: ["keepalive_timeout", "max_connection_age"], maxGrowthMiB: 16)
    }

    @Test("1,000 idle connections: memory per idle connection reported, at most 64 KiB")
    func idleConnections() async throws {
        let lines = try await Self.run(
            limits: ["maxConnectionsPerAddress=2000"], cases: ["idle_connections"], maxGrowthMiB: 64)
        print(lines.filter { $0.hasPrefix("INFO") }.joined(separator: "\n"))
    }
}
