// rpc-benchmark-client: single-in-flight unary Echo calls (an 80-byte Leaf) against any gRPC
// server hosting lifelong.testing.v1.ProbeService, through our HTTP2ClientTransport. Every
// response is checked (status OK and the same Leaf back); prints one line
// `calls=N errors=E p50_us=… p90_us=… p99_us=… mean_us=…`.
//
// usage: rpc-benchmark-client --port P [--host H] [--calls N] [--warmup W]
import Foundation
import HTTP2Transport
import LifelongTestProto
import RPCCore

var host = "127.0.0.1"
var port = 0
var calls = 20_000
var warmup = 2_000
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": host = arguments.next() ?? host
    case "--port": port = arguments.next().flatMap { Int($0) } ?? port
    case "--calls": calls = arguments.next().flatMap { Int($0) } ?? calls
    case "--warmup": warmup = arguments.next().flatMap { Int($0) } ?? warmup
    default:
        FileHandle.standardError.write(Data("usage: rpc-benchmark-client --port P [--host H] [--calls N] [--warmup W]\n".utf8))
        exit(2)
    }
}

let transport = HTTP2ClientTransport(host: host, port: port)
let client = Lifelong_Testing_V1_ProbeService.Client(wrapping: RPCClient(transport: transport))
var leaf = Lifelong_Testing_V1_Leaf()
leaf.name = String(repeating: "x", count: 76)  // 80 bytes encoded
leaf.value = 42

var errors = 0
var firstError: String?
var samples: [Duration] = []
samples.reserveCapacity(calls)
let clock = ContinuousClock()
for index in 0..<(warmup + calls) {
    let start = clock.now
    do {
        let response = try await client.echo(leaf)
        let elapsed = clock.now - start
        if response != leaf {
            errors += 1
            firstError = firstError ?? "the response differs from the request"
        } else if index >= warmup {
            samples.append(elapsed)
        }
    } catch {
        errors += 1
        firstError = firstError ?? "\(error)"
    }
}
await transport.close()

func microseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}
let sorted = samples.map(microseconds).sorted()
func percentile(_ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
let mean = sorted.isEmpty ? .nan : sorted.reduce(0, +) / Double(sorted.count)
print(String(
    format: "calls=%d errors=%d p50_us=%.1f p90_us=%.1f p99_us=%.1f mean_us=%.1f",
    sorted.count, errors, percentile(0.5), percentile(0.9), percentile(0.99), mean))
if let firstError { FileHandle.standardError.write(Data("rpc-benchmark-client: first error: \(firstError)\n".utf8)) }
exit(errors == 0 ? 0 : 1)
