// rpc-benchmark-server: our HTTP/2 gRPC server hosting lifelong.testing.v1.ProbeService (whose
// Echo returns the Leaf it receives), for `make bench-rpc` and as the out-of-process server of
// the abuse tests (whose memory they read from /proc/<pid>/status).
//
// usage: rpc-benchmark-server [--host H] [--port P] [--exit-on-stdin-eof] [--unary-on-event-loop]
//                             [--limit NAME=VALUE]...
//   Prints `PORT n` once listening. With --exit-on-stdin-eof it shuts down gracefully when its
//   standard input closes (how tests stop it); otherwise it runs until killed. --limit sets a
//   limit of HTTP2ServerConfiguration by its name: durations in milliseconds (0: none), sizes
//   in bytes (how the limit tests configure short limits).
import Foundation
import HTTP2Transport
import LifelongTestProto
import RPCCore
import Synchronization

/// The echo service of the benchmark; the streaming methods exist only to complete the protocol.
struct EchoProbeService: Lifelong_Testing_V1_ProbeService.SimpleServiceProtocol {
    func echo(request: Lifelong_Testing_V1_Leaf, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        request
    }

    func sum(request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, context: ServerContext) async throws -> Lifelong_Testing_V1_Leaf {
        var total = Lifelong_Testing_V1_Leaf()
        for try await leaf in request { total.value &+= leaf.value }
        return total
    }

    func expand(
        request: Lifelong_Testing_V1_Leaf, response: RPCWriter<Lifelong_Testing_V1_Leaf>, context: ServerContext
    ) async throws {
        for _ in 0..<max(0, min(request.value, 10_000)) { try await response.write(request) }
    }

    func twice(
        request: RPCAsyncSequence<Lifelong_Testing_V1_Leaf>, response: RPCWriter<Lifelong_Testing_V1_Leaf>,
        context: ServerContext
    ) async throws {
        for try await var leaf in request {
            leaf.value &*= 2
            try await response.write(leaf)
        }
    }
}

var configuration = HTTP2ServerConfiguration()
var exitOnEOF = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--host": configuration.host = arguments.next() ?? configuration.host
    case "--port": configuration.port = arguments.next().flatMap { Int($0) } ?? configuration.port
    case "--exit-on-stdin-eof": exitOnEOF = true
    case "--unary-on-event-loop": configuration.runsUnaryHandlersOnEventLoop = true
    case "--unary-on-global-executor": configuration.runsUnaryHandlersOnEventLoop = false
    case "--limit":
        guard let setting = arguments.next(), configuration.setLimit(setting) else {
            FileHandle.standardError.write(Data("rpc-benchmark-server: --limit takes NAME=VALUE with a known name\n".utf8))
            exit(2)
        }
    case "--help", "-h":
        print("usage: rpc-benchmark-server [--host H] [--port P] [--exit-on-stdin-eof] [--unary-on-event-loop]")
        exit(0)
    default:
        FileHandle.standardError.write(Data("rpc-benchmark-server: unknown argument \(argument)\n".utf8))
        exit(2)
    }
}

extension HTTP2ServerConfiguration {
    /// Sets the limit `NAME=VALUE` (milliseconds or bytes); false for an unknown name or value.
    mutating func setLimit(_ setting: String) -> Bool {
        let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Int(parts[1]), value >= 0 else { return false }
        let duration = Duration.milliseconds(value)
        switch parts[0] {
        case "maxRequestReceiveTime": maxRequestReceiveTime = value == 0 ? nil : duration
        case "maxZeroWindowTime": maxZeroWindowTime = value == 0 ? nil : duration
        case "maxConnectionAge": maxConnectionAge = value == 0 ? nil : duration
        case "maxConnectionAgeGrace": maxConnectionAgeGrace = duration
        case "keepaliveInterval": keepaliveInterval = value == 0 ? nil : duration
        case "keepaliveTimeout": keepaliveTimeout = duration
        case "idleTimeout": idleTimeout = duration
        case "maxPendingInboundBytesPerConnection": maxPendingInboundBytesPerConnection = value
        case "maxPendingOutboundBytesPerConnection": maxPendingOutboundBytesPerConnection = value
        case "maxConnections": maxConnections = value
        case "maxConnectionsPerAddress": maxConnectionsPerAddress = value
        default: return false
        }
        return true
    }
}

let server = HTTP2Server(configuration: configuration, services: [EchoProbeService()])

/// Runs an async operation to completion from synchronous code. The main thread stays
/// synchronous (no top-level `await`): an async main parks it in libdispatch's `dispatch_main`,
/// which Valgrind 3.19 (Debian 12) cannot run, and the server is profiled under callgrind.
func blocking<Result: Sendable>(_ operation: @escaping @Sendable () async throws -> Result) throws -> Result {
    let done = DispatchSemaphore(value: 0)
    let outcome = Mutex<Swift.Result<Result, any Error>?>(nil)
    Task {
        do {
            let value = try await operation()
            outcome.withLock { $0 = .success(value) }
        } catch {
            outcome.withLock { $0 = .failure(error) }
        }
        done.signal()
    }
    done.wait()
    return try outcome.withLock { $0! }.get()
}

let port = try blocking { try await server.start() }
FileHandle.standardOutput.write(Data("PORT \(port)\n".utf8))
if exitOnEOF {
    // The main thread waits for standard input to close (how tests stop the server).
    while !FileHandle.standardInput.availableData.isEmpty {}
    try blocking { await server.shutdown(gracePeriod: .seconds(1)) }
} else {
    while true { sleep(3600) }
}
