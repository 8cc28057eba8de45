import Foundation
import HTTP2Transport
import LifelongProto
import PostgresClient
import ProtobufCRuntime
import RPCCore
import ServiceHostTesting
import Testing

/// The decoder refuses a message by what decoding it would allocate, before it allocates:
/// an AddSamples message of millions of empty samples took the server from 30 MiB to a
/// 2.3 GiB peak before the limit on decoded size existed.
@Suite("decoded size of a message of empty elements")
struct DecodedSizeLimitTests {
    /// A SampleBatch of `count` empty samples, encoded by hand (two bytes each: the tag of
    /// field 1, length 0), without building millions of Swift values in this process.
    static func emptySamples(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 2 * count)
        for index in stride(from: 0, to: bytes.count, by: 2) { bytes[index] = 0x0A }
        return bytes
    }

    /// The decoder's estimate for one empty sample: the most samples a 64 KiB limit lets
    /// through, found by bisection (each trial decodes at most a few hundred samples).
    static func estimatedBytesPerEmptySample() -> Int {
        let limits = DecodingLimits(maxDecodedBytes: 64 << 10)
        var low = 0, high = 64 << 10
        while low < high {
            let middle = (low + high + 1) / 2
            if (try? Lifelong_V1_SampleBatch(serializedBytes: emptySamples(middle), limits: limits)) != nil {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return (64 << 10) / max(low, 1)
    }

    /// Sends `bytes` as one AddSamples message (the client may send up to 64 MiB).
    static func addSamples(_ server: KnowledgeBaseProcess, _ bytes: [UInt8]) async -> RPCError? {
        var configuration = HTTP2ClientConfiguration()
        configuration.maxSendMessageBytes = 64 << 20
        let transport = HTTP2ClientTransport(host: "127.0.0.1", port: server.port, configuration: configuration)
        defer { Task { await transport.close() } }
        let request = StreamingClientRequest<[UInt8]> { try await $0.write(bytes) }
        do {
            try await transport.authenticated(with: TestServiceHost.token(.service)).call(
                request: request, method: Lifelong_V1_KnowledgeBase.Method.AddSamples.descriptor,
                options: .defaults
            ) { response in
                for try await _ in response.bodyParts {}
            }
            return nil
        } catch {
            return RPCError(mapping: error)
        }
    }

    @Test("16 MiB of empty samples is RESOURCE_EXHAUSTED; the largest accepted one and it move the peak by < 256 MiB")
    func emptyElements() async throws {
        let (url, schema, configuration) = ProcessFaultTests.sharedDatabase()
        let inspector = ProcessFaultTests.inspector(configuration, schema: schema)
        defer { inspector.close() }
        let server = try await KnowledgeBaseProcess(postgresURL: url, schema: schema)
        do {
            // Warm up with a small valid batch, then take the peak so far.
            _ = await Self.addSamples(server, Self.emptySamples(10))
            let before = try ProcessMemory.kibibytes("VmHWM", pid: server.process.processIdentifier)

            let flood = Self.emptySamples((16 << 20) / 2 - 16)
            let floodError = await Self.addSamples(server, flood)
            #expect(floodError?.code == .resourceExhausted, "\(String(describing: floodError))")
            #expect(floodError?.message.contains("decoded size") == true)

            // The most empty samples the decoder lets through: its per-sample estimate,
            // measured on small messages against a small limit, scaled to the default limit.
            let perSample = Self.estimatedBytesPerEmptySample()
            let largest = DecodingLimits.default.maxDecodedBytes / perSample - 16
            let accepted = Self.emptySamples(largest)
            let acceptedError = await Self.addSamples(server, accepted)
            // Decoded, then refused by the service for its empty samples (not by the decoder).
            #expect(acceptedError?.message.contains("decoded size") != true)

            let after = try ProcessMemory.kibibytes("VmHWM", pid: server.process.processIdentifier)
            let growthMiB = Double(after - before) / 1024
            print("VmHWM \(before / 1024) MiB → \(after / 1024) MiB (+\(Int(growthMiB)) MiB); \(largest) samples accepted by the decoder (\(perSample) B each)")
            #expect(growthMiB <= 256)
            #expect(server.isRunning)
        } catch {
            await server.stop()
            await ProcessFaultTests.drop(schema, inspector)
            throw error
        }
        await server.stop()
        await ProcessFaultTests.drop(schema, inspector)
    }
}

/// Fields of `/proc/<pid>/status`.
enum ProcessMemory {
    /// A field in KiB (VmRSS, VmHWM…).
    static func kibibytes(_ field: String, pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            if let value = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int($0) }) {
                return value
            }
        }
        throw KnowledgeBaseProcess.Failure("no \(field) in /proc/\(pid)/status")
    }
}
