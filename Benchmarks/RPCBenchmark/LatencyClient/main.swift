// rpc-benchmark-client: single-in-flight unary Echo calls (an 80-byte Leaf) against any gRPC
// server hosting lifelong.testing.v1.ProbeService, through our HTTP2ClientTransport. Every
// response is checked (status OK and the same Leaf back); prints one line
// `calls=N errors=E p50_us=… p90_us=… p99_us=… mean_us=…`.
//
// usage: rpc-benchmark-client --port P [--host H] [--calls N] [--warmup W] [--generic] [--on-loop]
//   --generic: unary calls take the transport's generic `call` path (task group, queue), as
//   before the unary fast path, for comparison.
//   --on-loop: the calling task prefers the transport's `executor` (its connection's event
//   loop), so neither the request nor the response wakes another thread in this process.
//
// The main thread stays synchronous (no top-level `await`), as the server's does, so that the
// client can be profiled under callgrind (Valgrind 3.19 cannot run libdispatch's `dispatch_main`).
import Foundation
import HTTP2Transport
import LifelongTestProto
import RPCCore
import Synchronization

var host = "127.0.0.1"
var port = 0
var calls = 20_000
var warmup = 2_000
var generic = false
var onLoop = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": host = arguments.next() ?? host
    case "--port": port = arguments.next().flatMap { Int($0) } ?? port
    case "--calls": calls = arguments.next().flatMap { Int($0) } ?? calls
    case "--warmup": warmup = arguments.next().flatMap { Int($0) } ?? warmup
    case "--generic": generic = true
    case "--on-loop": onLoop = true
    default:
        FileHandle.standardError.write(Data("usage: rpc-benchmark-client --port P [--host H] [--calls N] [--warmup W] [--generic] [--on-loop]\n".utf8))
        exit(2)
    }
}

/// The calls to make.
struct Plan: Sendable {
    var host: String
    var port: Int
    var calls: Int
    var warmup: Int
    var generic: Bool
    var onLoop: Bool
}

/// A transport that exposes only `call`, so unary calls take `ClientTransport`'s default
/// `unary` (the generic path).
struct GenericPathTransport: ClientTransport {
    let base: HTTP2ClientTransport

    func call<Result: Sendable>(
        request: StreamingClientRequest<[UInt8]>,
        method: MethodDescriptor,
        options: CallOptions,
        handler: @escaping @Sendable (StreamingClientResponse<[UInt8]>) async throws -> Result
    ) async throws -> Result {
        try await base.call(request: request, method: method, options: options, handler: handler)
    }
}

/// What the measured loop found.
struct Outcome: Sendable {
    var errors = 0
    var firstError: String?
    var samples: [Duration] = []
}

/// Calls Echo `warmup + calls` times, one at a time, and keeps the round trips after the warm-up.
func measure(_ plan: Plan) async -> Outcome {
    let transport = HTTP2ClientTransport(host: plan.host, port: plan.port)
    let rpcClient = RPCClient(transport: plan.generic ? GenericPathTransport(base: transport) : transport)
    let client = Lifelong_Testing_V1_ProbeService.Client(wrapping: rpcClient)
    var leaf = Lifelong_Testing_V1_Leaf()
    leaf.name = String(repeating: "x", count: 76)  // 80 bytes encoded
    leaf.value = 42
    let outcome = await withTaskExecutorPreference(plan.onLoop ? transport.executor : nil) {
        await calls(client: client, leaf: leaf, plan: plan)
    }
    await transport.close()
    return outcome
}

/// The measured loop.
func calls(client: Lifelong_Testing_V1_ProbeService.Client, leaf: Lifelong_Testing_V1_Leaf, plan: Plan) async -> Outcome {
    var outcome = Outcome()
    outcome.samples.reserveCapacity(plan.calls)
    let clock = ContinuousClock()
    for index in 0..<(plan.warmup + plan.calls) {
        let start = clock.now
        do {
            let response = try await client.echo(leaf)
            let elapsed = clock.now - start
            if response != leaf {
                outcome.errors += 1
                outcome.firstError = outcome.firstError ?? "the response differs from the request"
            } else if index >= plan.warmup {
                outcome.samples.append(elapsed)
            }
        } catch {
            outcome.errors += 1
            outcome.firstError = outcome.firstError ?? "\(error)"
        }
    }
    return outcome
}

/// Runs the measurement on a task while the main thread waits on a semaphore.
func blockingMeasure(_ plan: Plan) -> Outcome {
    let done = DispatchSemaphore(value: 0)
    let result = Mutex<Outcome?>(nil)
    Task {
        let outcome = await measure(plan)
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    return result.withLock { $0! }
}

let outcome = blockingMeasure(Plan(host: host, port: port, calls: calls, warmup: warmup, generic: generic, onLoop: onLoop))
let errors = outcome.errors
let firstError = outcome.firstError
let samples = outcome.samples

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
