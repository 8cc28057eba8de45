import HTTP2Transport
import LifelongTestProto
import RPCCore
import Testing

@Suite("raw HTTP/2 abuse against our server")
struct AbuseTests {
    static let cases = [
        "wrong_content_type", "unsupported_encoding", "malformed_timeout", "missing_te", "huge_length_prefix",
        "unknown_method", "rapid_reset", "continuation_flood", "settings_40_entries", "hpack_bomb", "streams_150",
        "ping_flood",
    ]

    @Test("every abuse case is answered as specified and the server keeps serving")
    func abuse() async throws {
        let server = HTTP2Server(configuration: .init(host: "127.0.0.1", port: 0), services: [InteropTestService()])
        let port = try await server.start()
        let result = try await PythonPeer.run("abuse_client.py", arguments: ["127.0.0.1:\(port)"])
        await server.shutdown(gracePeriod: .seconds(1))
        let lines = result.output.split(separator: "\n").map(String.init)
        for name in Self.cases {
            #expect(lines.contains("PASS \(name)"), "\(name): \(lines.first { $0.hasPrefix("FAIL \(name)") } ?? "no result")")
        }
        #expect(result.status == 0, "abuse_client.py exited \(result.status):\n\(result.output)")
    }
}
